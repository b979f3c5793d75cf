// The OpenAPI 3.0.3 document of the REST API, generated from the current resource types so that
// types added at runtime appear with their own routes and flavor enums.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "types/type_registry.h"

namespace gitops::api {

struct OpenApiOptions {
  std::string title = "gitops-api";
  std::string version = "2.0.0";
  std::string tenant_header = "X-Tenant-ID";
  std::string cluster_header = "X-Cluster-ID";
  bool require_tenant = true;
};

// Builds the document for `types`: every per-type route of every type (create, update, delete,
// read, list, direct read and list), the job, tenant, resource-type, docs and health routes,
// and every schema they use. Schemas of type T are named "<T>.CreateRequest" etc.
nlohmann::ordered_json BuildOpenApi(const std::vector<types::TypePtr>& types,
                                    const OpenApiOptions& options);

}  // namespace gitops::api
