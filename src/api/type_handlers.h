// TypeHandlers: GET/POST /api/v1/resource-types — list the served resource types and add one at
// runtime (its routes work at once, since resource routes look the type up per request).
#pragma once

#include "config/resource_type.h"
#include "http/router.h"
#include "types/type_registry.h"

namespace gitops::api {

class TypeHandlers {
 public:
  // `registry` must outlive this object and the router it registers on. `defaults` fill the
  // webhook timeout/retries a posted type leaves out; their `environment` is ignored, so
  // webhook.secret_env is refused for posted types.
  TypeHandlers(types::TypeRegistry& registry, config::TypeDefaults defaults);

  // Adds GET /api/v1/resource-types, GET /api/v1/resource-types/{name} and
  // POST /api/v1/resource-types.
  Status Register(http::Router& router);

  // 200 {resource_types: [<type as config::ResourceTypeToJson>...]} in registry order.
  http::Response List() const;
  // 200 the type, 404 when unknown.
  http::Response Get(std::string_view name) const;
  // Body: a type in the resource_configs.yaml shape, as JSON, plus "name". 201 with the type
  // and Location; 400 naming the key (unknown key, bad value, missing flavors, invalid or
  // reserved name), 409 when the name is taken, 415 for a non-JSON body. Thread-safe.
  http::Response Add(const http::Request& req) const;

 private:
  types::TypeRegistry& registry_;
  const config::TypeDefaults defaults_;
};

}  // namespace gitops::api
