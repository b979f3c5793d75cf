// The context a resource template is rendered with: the prototype's names plus the spec's keys
// at top level, with managed labels a tenant cannot override.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace gitops::pipeline {

using Json = nlohmann::ordered_json;

// Keys in this order: name, tenant_id, cluster_id (null when empty), flavor, spec, labels, then
// every key of `spec` except those six. labels = spec.labels (when an object) overlaid with
// the managed labels "tenant.io/id", "managed-by": "gitops-api", "flavor", and "cluster.io/id"
// when a cluster is set; the managed values win. `spec` must be an object or null.
Json BuildTemplateContext(std::string_view name, std::string_view tenant_id,
                          std::string_view cluster_id, std::string_view flavor, const Json& spec);

}  // namespace gitops::pipeline
