// BuildTemplateContext: see template_context.h.
#include "pipeline/template_context.h"

#include <array>
#include <string>

namespace gitops::pipeline {

Json BuildTemplateContext(std::string_view name, std::string_view tenant_id,
                          std::string_view cluster_id, std::string_view flavor, const Json& spec) {
  static constexpr std::array<std::string_view, 6> kReserved = {"name",   "tenant_id", "cluster_id",
                                                                "flavor", "spec",      "labels"};
  const Json empty = Json::object();
  const Json& spec_object = spec.is_object() ? spec : empty;

  Json labels = Json::object();
  auto spec_labels = spec_object.find("labels");
  if (spec_labels != spec_object.end() && spec_labels->is_object()) labels = *spec_labels;
  labels["tenant.io/id"] = std::string(tenant_id);
  labels["managed-by"] = "gitops-api";
  labels["flavor"] = std::string(flavor);
  if (!cluster_id.empty()) labels["cluster.io/id"] = std::string(cluster_id);

  Json context = Json::object();
  context["name"] = std::string(name);
  context["tenant_id"] = std::string(tenant_id);
  context["cluster_id"] = cluster_id.empty() ? Json(nullptr) : Json(std::string(cluster_id));
  context["flavor"] = std::string(flavor);
  context["spec"] = spec_object;
  context["labels"] = std::move(labels);
  for (const auto& [key, value] : spec_object.items()) {
    bool reserved = false;
    for (std::string_view r : kReserved) reserved = reserved || key == r;
    if (!reserved) context[key] = value;
  }
  return context;
}

}  // namespace gitops::pipeline
