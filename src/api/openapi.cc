// OpenAPI document generation: shared components once, then the routes of every type.
#include "api/openapi.h"

#include "config/names.h"

namespace gitops::api {
namespace {

using Json = nlohmann::ordered_json;

Json Ref(const std::string& kind, const std::string& name) {
  return Json{{"$ref", "#/components/" + kind + "/" + name}};
}
Json SchemaRef(const std::string& name) { return Ref("schemas", name); }

Json JsonContent(const Json& schema) {
  return Json{{"application/json", Json{{"schema", schema}}}};
}

Json Response(const std::string& description, const std::string& schema) {
  return Json{{"description", description}, {"content", JsonContent(SchemaRef(schema))}};
}

Json StringSchema(const std::string& description) {
  return Json{{"type", "string"}, {"description", description}};
}

Json LabelSchema(const std::string& description) {
  return Json{{"type", "string"},
              {"description", description},
              {"pattern", "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
              {"maxLength", 63}};
}

Json NullableString(const std::string& description) {
  return Json{{"type", "string"}, {"nullable", true}, {"description", description}};
}

Json FreeObject(const std::string& description) {
  return Json{{"type", "object"}, {"additionalProperties", true}, {"description", description}};
}

Json Components(const OpenApiOptions& o) {
  Json schemas = Json::object();
  schemas["Error"] = {
      {"type", "object"},
      {"required", {"error", "code"}},
      {"properties",
       {{"error", StringSchema("What went wrong, naming the field or parameter at fault")},
        {"code", StringSchema("Canonical error code (invalid_argument, not_found, "
                              "already_exists, unavailable, internal, ...) or, for HTTP-level "
                              "failures, the status slug (method_not_allowed, "
                              "payload_too_large, unsupported_media_type)")},
        {"details", NullableString("Machine-oriented context: the field at fault for a 400, "
                                   "the allowed methods for a 405, ...")}}}};
  schemas["JobSubmitted"] = {
      {"type", "object"},
      {"required", {"job_id", "status", "message"}},
      {"properties",
       {{"job_id", {{"type", "string"}, {"format", "uuid"}}},
        {"status", {{"type", "string"}, {"enum", {"submitted"}}}},
        {"message", {{"type", "string"}, {"example", "Namespace creation job submitted"}}}}}};
  Json status_enum = {"submitted", "in_progress", "completed", "failed"};
  Json op_enum = {"create", "update", "delete", "read", "list"};
  schemas["Job"] = {
      {"type", "object"},
      {"required",
       {"job_id", "job_type", "tenant_id", "resource_type", "operation", "status", "created_at",
        "updated_at", "logs", "metadata"}},
      {"properties",
       {{"job_id", {{"type", "string"}, {"format", "uuid"}}},
        {"job_type", {{"type", "string"}, {"enum", {"resource"}}}},
        {"tenant_id", {{"type", "string"}}},
        {"cluster_id", NullableString("Null for types that are not cluster-aware")},
        {"resource_type", {{"type", "string"}}},
        {"resource_name", {{"type", "string"}}},
        {"operation", {{"type", "string"}, {"enum", op_enum}}},
        {"spec", FreeObject("The spec sent with the request")},
        {"status", {{"type", "string"}, {"enum", status_enum}}},
        {"created_at", {{"type", "string"}, {"format", "date-time"}}},
        {"updated_at", {{"type", "string"}, {"format", "date-time"}}},
        {"logs", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"metadata", FreeObject("git_commit, manifest_path, repository, webhook_status")},
        {"result",
         {{"type", "object"},
          {"nullable", true},
          {"additionalProperties", true},
          {"description", "Read: the resource (as ResourceRead); list: {items: [...]}"}}},
        {"error", NullableString("Why the job failed")},
        {"deliveries",
         {{"type", "array"},
          {"items", SchemaRef("WebhookDelivery")},
          {"description", "GET /api/v1/status/{job_id} only: the job's webhook deliveries, "
                          "oldest first (empty when webhooks are simulated or disabled)"}}}}}};
  schemas["JobList"] = {{"type", "object"},
                        {"required", {"count", "jobs"}},
                        {"properties",
                         {{"count", {{"type", "integer"}}},
                          {"jobs", {{"type", "array"}, {"items", SchemaRef("Job")}}}}}};
  schemas["ResourceRead"] = {
      {"type", "object"},
      {"required", {"name", "path", "manifest", "git_commit", "flavor", "spec"}},
      {"properties",
       {{"name", {{"type", "string"}}},
        {"path", StringSchema("Manifest path in the type's repository")},
        {"manifest", StringSchema("The manifest as committed")},
        {"git_commit", StringSchema("Commit that last wrote the resource (40 hex)")},
        {"flavor", {{"type", "string"}}},
        {"spec", FreeObject("The resource's spec")}}}};
  schemas["ResourceListItem"] = {
      {"type", "object"},
      {"required", {"name", "tenant_id", "flavor", "spec", "path", "git_commit", "updated_at"}},
      {"properties",
       {{"name", {{"type", "string"}}},
        {"tenant_id", {{"type", "string"}}},
        {"cluster_id", NullableString("Null for types that are not cluster-aware")},
        {"flavor", {{"type", "string"}}},
        {"spec", FreeObject("The resource's spec")},
        {"path", {{"type", "string"}}},
        {"git_commit", {{"type", "string"}}},
        {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  schemas["ResourceList"] = {
      {"type", "object"},
      {"required", {"items"}},
      {"properties", {{"items", {{"type", "array"}, {"items", SchemaRef("ResourceListItem")}}}}}};
  schemas["DeleteRequest"] = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"name", LabelSchema("Resource name (or ?name=)")},
        {"tenant_id", LabelSchema("Tenant, when the " + o.tenant_header + " header is absent")},
        {"cluster_id",
         LabelSchema("Cluster, when the " + o.cluster_header + " header is absent")}}}};
  schemas["TenantMetrics"] = {
      {"type", "object"},
      {"required",
       {"tenant_id", "total_resources", "resources_by_type", "active_jobs", "failed_jobs",
        "completed_jobs", "last_activity"}},
      {"properties",
       {{"tenant_id", {{"type", "string"}}},
        {"total_resources", {{"type", "integer"}}},
        {"resources_by_type",
         {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}},
        {"active_jobs", {{"type", "integer"}}},
        {"failed_jobs", {{"type", "integer"}}},
        {"completed_jobs", {{"type", "integer"}}},
        {"last_activity",
         {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}}}}};
  schemas["TenantResource"] = {
      {"type", "object"},
      {"properties",
       {{"name", {{"type", "string"}}},
        {"cluster_id", NullableString("Null for types that are not cluster-aware")},
        {"flavor", {{"type", "string"}}},
        {"path", {{"type", "string"}}},
        {"git_commit", {{"type", "string"}}},
        {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  schemas["TenantResources"] = {
      {"type", "object"},
      {"required", {"tenant_id", "resources"}},
      {"properties",
       {{"tenant_id", {{"type", "string"}}},
        {"resources",
         {{"type", "object"},
          {"description", "Resources grouped by type"},
          {"additionalProperties",
           {{"type", "array"}, {"items", SchemaRef("TenantResource")}}}}}}}};
  schemas["Webhook"] = {
      {"type", "object"},
      {"properties",
       {{"enabled", {{"type", "boolean"}, {"default", false}}},
        {"url", {{"type", "string"}, {"format", "uri"}, {"nullable", true}}},
        {"mode", {{"type", "string"}, {"enum", {"single", "staged"}}, {"default", "single"}}},
        {"timeout", {{"type", "integer"}, {"minimum", 1}, {"maximum", 3600}}},
        {"retries", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}},
        {"secret",
         {{"type", "string"},
          {"writeOnly", true},
          {"description", "HMAC-SHA256 key of the X-GitOps-Signature header; answered as "
                          "\"<redacted>\""}}},
        {"secret_env",
         {{"type", "string"},
          {"nullable", true},
          {"description", "Environment variable holding the secret (resource_configs.yaml "
                          "only; refused for types added through the API)"}}},
        {"events",
         {{"type", "array"},
          {"minItems", 1},
          {"uniqueItems", true},
          {"description", "Events to send (default: all)"},
          {"items",
           {{"type", "string"},
            {"enum",
             {"submitted", "started", "rendered", "committed", "pushed", "completed",
              "failed"}}}}}}}}};
  schemas["WebhookDelivery"] = {
      {"type", "object"},
      {"required",
       {"delivery_id", "job_id", "tenant_id", "resource_type", "event", "url", "status",
        "attempts", "max_attempts", "last_http_status", "last_error", "next_attempt_at",
        "created_at", "updated_at"}},
      {"properties",
       {{"delivery_id",
         {{"type", "string"},
          {"format", "uuid"},
          {"description", "The same for every attempt (X-GitOps-Delivery)"}}},
        {"job_id", {{"type", "string"}, {"format", "uuid"}}},
        {"tenant_id", {{"type", "string"}}},
        {"resource_type", {{"type", "string"}}},
        {"event",
         {{"type", "string"},
          {"enum",
           {"submitted", "started", "rendered", "committed", "pushed", "completed", "failed"}}}},
        {"url", {{"type", "string"}}},
        {"status", {{"type", "string"}, {"enum", {"pending", "delivered", "failed"}}}},
        {"attempts", {{"type", "integer"}, {"description", "Attempts made so far"}}},
        {"max_attempts", {{"type", "integer"}}},
        {"last_http_status",
         {{"type", "integer"},
          {"nullable", true},
          {"description", "Status of the last answer; null when none (connection error, "
                          "timeout, not sent yet)"}}},
        {"last_error", NullableString("Why the last attempt failed; null after a 2xx")},
        {"next_attempt_at",
         {{"type", "string"},
          {"format", "date-time"},
          {"nullable", true},
          {"description", "When the next attempt is due; null unless pending"}}},
        {"created_at", {{"type", "string"}, {"format", "date-time"}}},
        {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  schemas["WebhookDeliveryList"] = {
      {"type", "object"},
      {"required", {"count", "deliveries"}},
      {"properties",
       {{"count", {{"type", "integer"}}},
        {"deliveries", {{"type", "array"}, {"items", SchemaRef("WebhookDelivery")}}}}}};
  schemas["ResourceType"] = {
      {"type", "object"},
      {"required", {"name", "flavors"}},
      {"additionalProperties", false},
      {"properties",
       {{"name", LabelSchema("Type name; its routes are /api/v1/<name>/...")},
        {"repo_url", StringSchema("Remote URL or local bare repository; empty: under DATA_DIR")},
        {"template_dir", StringSchema("Directory in the template repository (default <name>/)")},
        {"cluster_aware", {{"type", "boolean"}, {"default", false}}},
        {"flavors",
         {{"type", "array"}, {"minItems", 1}, {"items", LabelSchema("Flavor (template name)")}}},
        {"branch", {{"type", "string"}, {"default", "main"}}},
        {"path_template",
         StringSchema("Manifest path with {tenant_id} {cluster_id} {resource_type} {name} "
                      "{flavor}")},
        {"strict_undefined", {{"type", "boolean"}, {"default", false}}},
        {"template_extension", {{"type", "string"}, {"default", ".yaml.j2"}}},
        {"webhook", SchemaRef("Webhook")}}}};
  schemas["ResourceTypeList"] = {
      {"type", "object"},
      {"required", {"resource_types"}},
      {"properties",
       {{"resource_types", {{"type", "array"}, {"items", SchemaRef("ResourceType")}}}}}};
  schemas["Health"] = {{"type", "object"},
                       {"required", {"status"}},
                       {"properties", {{"status", {{"type", "string"}, {"enum", {"ok"}}}}}}};
  schemas["Readiness"] = {
      {"type", "object"},
      {"required", {"status", "checks"}},
      {"properties",
       {{"status", {{"type", "string"}, {"enum", {"ready"}}}},
        {"checks", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}}}}};
  schemas["NotReady"] = {
      {"allOf",
       {SchemaRef("Error"),
        {{"type", "object"},
         {"properties",
          {{"checks",
            {{"type", "object"},
             {"description", "Each dependency: \"ok\" or why it failed"},
             {"additionalProperties", {{"type", "string"}}}}}}}}}}};

  Json parameters = Json::object();
  std::string tenant_note = o.require_tenant ? " Required (REQUIRE_TENANT) unless given in the "
                                               "body or as ?tenant_id=."
                                             : " Optional (REQUIRE_TENANT is off).";
  parameters["TenantHeader"] = {{"name", o.tenant_header},
                                {"in", "header"},
                                {"required", false},
                                {"description", "Tenant (wins over body and query)." + tenant_note},
                                {"schema", LabelSchema("Tenant ID")}};
  parameters["ClusterHeader"] = {
      {"name", o.cluster_header},
      {"in", "header"},
      {"required", false},
      {"description", "Cluster (wins over body and query); required by cluster-aware types"},
      {"schema", LabelSchema("Cluster ID")}};
  parameters["TenantQuery"] = {{"name", "tenant_id"},
                               {"in", "query"},
                               {"required", false},
                               {"description", "Tenant, when neither header nor body give one"},
                               {"schema", LabelSchema("Tenant ID")}};
  parameters["ClusterQuery"] = {{"name", "cluster_id"},
                                {"in", "query"},
                                {"required", false},
                                {"description", "Cluster, when neither header nor body give one"},
                                {"schema", LabelSchema("Cluster ID")}};

  Json responses = Json::object();
  responses["BadRequest"] = Response("Invalid input; the message names the field", "Error");
  responses["NotFound"] = Response("Unknown resource type, resource or job", "Error");
  responses["Conflict"] = Response("The resource exists or its creation is pending", "Error");
  responses["PayloadTooLarge"] = Response("Body over MAX_BODY_BYTES", "Error");
  responses["UnsupportedMediaType"] = Response("Content-Type is not application/json", "Error");
  responses["Unavailable"] = Response("Job store, queue or index unavailable", "Error");
  responses["Accepted"] = {
      {"description", "Job submitted"},
      {"headers",
       {{"Location",
         {{"description", "Status URL of the job (/api/v1/status/<job_id>)"},
          {"schema", {{"type", "string"}}}}}}},
      {"content", JsonContent(SchemaRef("JobSubmitted"))}};
  return Json{{"schemas", schemas}, {"parameters", parameters}, {"responses", responses}};
}

Json Op(const std::string& id, const std::string& tag, const std::string& summary,
        const std::string& description) {
  return Json{{"operationId", id},
              {"tags", {tag}},
              {"summary", summary},
              {"description", description},
              {"parameters", Json::array()},
              {"responses", Json::object()}};
}

void AddResponses(Json& op, std::initializer_list<std::pair<const char*, const char*>> refs) {
  for (const auto& [status, name] : refs) op["responses"][status] = Ref("responses", name);
}

void AddTypeRoutes(Json& paths, const config::ResourceTypeConfig& type, Json& schemas) {
  const std::string& t = type.name;
  const std::string title = config::TitleCase(t);
  const std::string base = "/api/v1/" + t;
  Json identity = Json::array({Ref("parameters", "TenantHeader")});
  if (type.cluster_aware) identity.push_back(Ref("parameters", "ClusterHeader"));
  Json identity_query = identity;
  identity_query.push_back(Ref("parameters", "TenantQuery"));
  if (type.cluster_aware) identity_query.push_back(Ref("parameters", "ClusterQuery"));
  const std::string cluster_note =
      type.cluster_aware ? " Cluster-aware: a cluster is required." : "";

  for (bool create : {true, false}) {
    Json flavor = {{"type", "string"}, {"enum", type.flavors}};
    if (create && type.HasFlavor("custom")) flavor["default"] = "custom";
    Json props = {{"name", LabelSchema("Resource name (DNS-1123 label)")},
                  {"flavor", flavor},
                  {"spec", FreeObject(create ? "Template input" : "Merged into the stored spec "
                                                                  "at the top level")},
                  {"tenant_id", LabelSchema("Tenant, when the header is absent")}};
    if (type.cluster_aware) props["cluster_id"] = LabelSchema("Cluster, when the header is absent");
    Json schema = {{"type", "object"},
                   {"required", {"name"}},
                   {"additionalProperties", false},
                   {"properties", props}};
    if (create && !type.HasFlavor("custom")) schema["required"].push_back("flavor");
    schemas[t + (create ? ".CreateRequest" : ".UpdateRequest")] = schema;
  }

  Json create = Op(t + ".create", t, "Create a " + t,
                   "Submits a job that renders the flavor's template and commits it. 409 when "
                   "the resource exists or has a create pending." + cluster_note);
  create["parameters"] = identity;
  create["requestBody"] = {{"required", true},
                           {"content", JsonContent(SchemaRef(t + ".CreateRequest"))}};
  AddResponses(create, {{"202", "Accepted"}, {"400", "BadRequest"}, {"404", "NotFound"},
                        {"409", "Conflict"}, {"413", "PayloadTooLarge"},
                        {"415", "UnsupportedMediaType"}, {"503", "Unavailable"}});
  paths[base + "/create"]["post"] = create;

  Json update = Op(t + ".update", t, "Update a " + t,
                   "Submits a job that merges spec into the stored spec (request keys win) and "
                   "re-renders. 404 when the resource neither exists nor has a create pending." +
                       cluster_note);
  update["parameters"] = identity;
  update["requestBody"] = {{"required", true},
                           {"content", JsonContent(SchemaRef(t + ".UpdateRequest"))}};
  AddResponses(update, {{"202", "Accepted"}, {"400", "BadRequest"}, {"404", "NotFound"},
                        {"413", "PayloadTooLarge"}, {"415", "UnsupportedMediaType"},
                        {"503", "Unavailable"}});
  paths[base + "/update"]["put"] = update;

  Json name_query = {{"name", "name"},
                     {"in", "query"},
                     {"required", false},
                     {"description", "Resource name, when the body has none"},
                     {"schema", LabelSchema("Resource name")}};
  Json del = Op(t + ".delete", t, "Delete a " + t,
                "Submits a job that removes the manifest (and directories left empty). The name "
                "comes from the JSON body or ?name=." + cluster_note);
  del["parameters"] = identity_query;
  del["parameters"].push_back(name_query);
  del["requestBody"] = {{"required", false}, {"content", JsonContent(SchemaRef("DeleteRequest"))}};
  AddResponses(del, {{"202", "Accepted"}, {"400", "BadRequest"}, {"404", "NotFound"},
                     {"413", "PayloadTooLarge"}, {"415", "UnsupportedMediaType"},
                     {"503", "Unavailable"}});
  paths[base + "/delete"]["delete"] = del;

  Json read = Op(t + ".read", t, "Submit a read job for a " + t,
                 "The job's result is {name, path, manifest, git_commit, flavor, spec}." +
                     cluster_note);
  read["parameters"] = identity_query;
  name_query["required"] = true;
  name_query["description"] = "Resource name";
  read["parameters"].push_back(name_query);
  AddResponses(read, {{"202", "Accepted"}, {"400", "BadRequest"}, {"404", "NotFound"},
                      {"503", "Unavailable"}});
  paths[base + "/read"]["get"] = read;

  Json list = Op(t + ".list", t, "Submit a list job for " + t + " resources",
                 "Tenant and cluster are optional filters. The job's result is {items: [...]}.");
  list["parameters"] = identity_query;
  AddResponses(list, {{"202", "Accepted"}, {"400", "BadRequest"}, {"404", "NotFound"},
                      {"503", "Unavailable"}});
  paths[base + "/list"]["get"] = list;

  Json direct = Op(t + ".get", t, "Read a " + t + " now",
                   "Answers from the resource index (and Git for the manifest) without a job." +
                       cluster_note);
  direct["parameters"] = identity_query;
  direct["parameters"].push_back({{"name", "name"},
                                  {"in", "path"},
                                  {"required", true},
                                  {"schema", LabelSchema("Resource name")}});
  direct["responses"]["200"] = Response("The resource", "ResourceRead");
  AddResponses(direct, {{"400", "BadRequest"}, {"404", "NotFound"}, {"503", "Unavailable"}});
  paths[base + "/{name}"]["get"] = direct;

  Json direct_list = Op(t + ".getAll", t, "List " + t + " resources now",
                        "Answers from the resource index without a job; tenant and cluster are "
                        "optional filters.");
  direct_list["parameters"] = identity_query;
  direct_list["responses"]["200"] = Response("The resources", "ResourceList");
  AddResponses(direct_list, {{"400", "BadRequest"}, {"404", "NotFound"}, {"503", "Unavailable"}});
  paths[base]["get"] = direct_list;
}

void AddFixedRoutes(Json& paths) {
  Json status = Op("jobs.status", "jobs", "Get a job", "The job with its logs, metadata and result.");
  status["parameters"] = Json::array({{{"name", "job_id"},
                                       {"in", "path"},
                                       {"required", true},
                                       {"schema", {{"type", "string"}, {"format", "uuid"}}}}});
  status["responses"]["200"] = Response("The job", "Job");
  AddResponses(status, {{"404", "NotFound"}, {"503", "Unavailable"}});
  paths["/api/v1/status/{job_id}"]["get"] = status;

  Json jobs = Op("jobs.list", "jobs", "List jobs", "Newest first.");
  jobs["parameters"] = Json::array(
      {Ref("parameters", "TenantHeader"), Ref("parameters", "TenantQuery"),
       {{"name", "status"},
        {"in", "query"},
        {"required", false},
        {"schema",
         {{"type", "string"}, {"enum", {"submitted", "in_progress", "completed", "failed"}}}}},
       {{"name", "resource_type"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "string"}}}},
       {{"name", "limit"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}}}});
  jobs["responses"]["200"] = Response("Jobs, newest first", "JobList");
  AddResponses(jobs, {{"400", "BadRequest"}, {"503", "Unavailable"}});
  paths["/api/v1/jobs"]["get"] = jobs;

  Json tenant_param = {{"name", "tenant"},
                       {"in", "path"},
                       {"required", true},
                       {"schema", LabelSchema("Tenant ID")}};
  Json metrics = Op("tenants.metrics", "tenants", "Tenant metrics",
                    "Resource counts from the index and job counters from the job store.");
  metrics["parameters"] = Json::array({tenant_param});
  metrics["responses"]["200"] = Response("Metrics", "TenantMetrics");
  AddResponses(metrics, {{"400", "BadRequest"}, {"503", "Unavailable"}});
  paths["/api/v1/tenant/{tenant}/metrics"]["get"] = metrics;

  Json resources = Op("tenants.resources", "tenants", "Tenant resources",
                      "Every resource of the tenant grouped by type.");
  resources["parameters"] = Json::array({tenant_param});
  resources["responses"]["200"] = Response("Resources", "TenantResources");
  AddResponses(resources, {{"400", "BadRequest"}, {"503", "Unavailable"}});
  paths["/api/v1/tenant/{tenant}/resources"]["get"] = resources;

  Json deliveries = Op("webhooks.deliveries", "webhooks", "List webhook deliveries",
                       "Newest first; every attempt is counted, with the last HTTP status or "
                       "error and the next attempt time. Empty when webhooks are simulated.");
  deliveries["parameters"] = Json::array(
      {Ref("parameters", "TenantHeader"), Ref("parameters", "TenantQuery"),
       {{"name", "status"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "string"}, {"enum", {"pending", "delivered", "failed"}}}}},
       {{"name", "job_id"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "string"}, {"format", "uuid"}}}},
       {{"name", "limit"},
        {"in", "query"},
        {"required", false},
        {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}}}});
  deliveries["responses"]["200"] = Response("Deliveries, newest first", "WebhookDeliveryList");
  AddResponses(deliveries, {{"400", "BadRequest"}, {"503", "Unavailable"}});
  paths["/api/v1/webhooks/deliveries"]["get"] = deliveries;

  Json redeliver = Op("webhooks.redeliver", "webhooks", "Send a delivery again",
                      "Under the same delivery_id (receivers de-duplicate by it), due now, with "
                      "1 + retries more attempts.");
  redeliver["parameters"] = Json::array({{{"name", "delivery_id"},
                                          {"in", "path"},
                                          {"required", true},
                                          {"schema", {{"type", "string"}, {"format", "uuid"}}}}});
  redeliver["responses"]["202"] = Response("Scheduled; the delivery, pending", "WebhookDelivery");
  redeliver["responses"]["404"] = Response("Unknown delivery", "Error");
  redeliver["responses"]["409"] = Response("An attempt is in flight right now", "Error");
  AddResponses(redeliver, {{"503", "Unavailable"}});
  paths["/api/v1/webhooks/deliveries/{delivery_id}/redeliver"]["post"] = redeliver;

  Json list_types = Op("resourceTypes.list", "resource-types", "List resource types",
                       "Configured types, then those added at runtime.");
  list_types["responses"]["200"] = Response("Resource types", "ResourceTypeList");
  paths["/api/v1/resource-types"]["get"] = list_types;

  Json add_type = Op("resourceTypes.add", "resource-types", "Add a resource type",
                     "The type's routes work at once and survive a restart.");
  add_type["requestBody"] = {{"required", true},
                             {"content", JsonContent(SchemaRef("ResourceType"))}};
  add_type["responses"]["201"] = {
      {"description", "Created"},
      {"headers",
       {{"Location",
         {{"description", "/api/v1/resource-types/<name>"}, {"schema", {{"type", "string"}}}}}}},
      {"content", JsonContent(SchemaRef("ResourceType"))}};
  add_type["responses"]["409"] = Response("A type with this name exists", "Error");
  AddResponses(add_type, {{"400", "BadRequest"}, {"413", "PayloadTooLarge"},
                          {"415", "UnsupportedMediaType"}, {"503", "Unavailable"}});
  paths["/api/v1/resource-types"]["post"] = add_type;

  Json get_type = Op("resourceTypes.get", "resource-types", "Get a resource type",
                     "One type with its effective settings.");
  get_type["parameters"] = Json::array({{{"name", "name"},
                                         {"in", "path"},
                                         {"required", true},
                                         {"schema", LabelSchema("Type name")}}});
  get_type["responses"]["200"] = Response("The type", "ResourceType");
  AddResponses(get_type, {{"404", "NotFound"}});
  paths["/api/v1/resource-types/{name}"]["get"] = get_type;

  Json openapi = Op("system.openapi", "system", "This document", "OpenAPI 3.0.3, generated for "
                                                                 "the current resource types.");
  openapi["responses"]["200"] = {
      {"description", "The document"},
      {"content", JsonContent({{"type", "object"}, {"additionalProperties", true}})}};
  paths["/openapi.json"]["get"] = openapi;

  Json docs = Op("system.docs", "system", "Swagger UI", "Interactive documentation, served "
                                                        "offline.");
  docs["responses"]["200"] = {{"description", "HTML page"},
                              {"content", {{"text/html", {{"schema", {{"type", "string"}}}}}}}};
  paths["/docs"]["get"] = docs;

  Json health = Op("system.health", "system", "Liveness", "200 while the process serves HTTP.");
  health["responses"]["200"] = Response("Alive", "Health");
  paths["/healthz"]["get"] = health;

  Json ready = Op("system.ready", "system", "Readiness",
                  "200 when every dependency answers; 503 naming each failing one.");
  ready["responses"]["200"] = Response("Ready", "Readiness");
  ready["responses"]["503"] = Response("Not ready", "NotReady");
  paths["/readyz"]["get"] = ready;
}

}  // namespace

Json BuildOpenApi(const std::vector<types::TypePtr>& types, const OpenApiOptions& options) {
  Json doc = Json::object();
  doc["openapi"] = "3.0.3";
  doc["info"] = {
      {"title", options.title},
      {"version", options.version},
      {"description",
       "Renders Jinja2 templates into manifests and commits them to per-resource-type Git "
       "repositories. Every change is an asynchronous job: submit, then poll "
       "/api/v1/status/{job_id}. Errors are {\"error\", \"code\", \"details\"}."},
      {"license", {{"name", "MIT"}, {"url", "https://opensource.org/licenses/MIT"}}}};
  doc["servers"] = Json::array({{{"url", "/"}, {"description", "This server"}}});
  Json tags = Json::array();
  for (const auto& type : types) {
    tags.push_back({{"name", type->name},
                    {"description", config::TitleCase(type->name) + " resources (flavors: " +
                                        [&] {
                                          std::string f;
                                          for (const auto& x : type->flavors) {
                                            if (!f.empty()) f += ", ";
                                            f += x;
                                          }
                                          return f;
                                        }() +
                                        (type->cluster_aware ? "; cluster-aware)" : ")")}});
  }
  tags.push_back({{"name", "jobs"}, {"description", "Job status and history"}});
  tags.push_back({{"name", "tenants"}, {"description", "Per-tenant views"}});
  tags.push_back({{"name", "webhooks"}, {"description", "Webhook deliveries and redelivery"}});
  tags.push_back({{"name", "resource-types"}, {"description", "Types served, and new ones"}});
  tags.push_back({{"name", "system"}, {"description", "Health, readiness and documentation"}});
  doc["tags"] = std::move(tags);

  Json components = Components(options);
  Json paths = Json::object();
  for (const auto& type : types) AddTypeRoutes(paths, *type, components["schemas"]);
  AddFixedRoutes(paths);
  doc["paths"] = std::move(paths);
  doc["components"] = std::move(components);
  return doc;
}

}  // namespace gitops::api
