// DocsHandlers: GET /openapi.json (generated per request from the current types) and the
// Swagger UI at /docs, served offline from the swagger-ui-dist files.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "api/openapi.h"
#include "http/router.h"
#include "types/type_registry.h"

namespace gitops::api {

class DocsHandlers {
 public:
  // Reads the Swagger UI assets (swagger-ui.css, index.css, swagger-ui-bundle.js,
  // swagger-ui-standalone-preset.js, favicon-32x32.png) from `swagger_dir` once; missing files
  // are answered with 404. `registry` must outlive this object and the router.
  DocsHandlers(const types::TypeRegistry& registry, OpenApiOptions options,
               const std::filesystem::path& swagger_dir);

  // Adds GET /openapi.json, GET /docs, GET /docs/ and GET /docs/{file} (index.html,
  // swagger-initializer.js, openapi.json and the assets).
  Status Register(http::Router& router);

  // 200 the OpenAPI document for the registry's current types.
  http::Response OpenApi() const;
  // 200 the Swagger UI page (links its assets under /docs/ and loads ./openapi.json with
  // validatorUrl null), or 404 for an unknown file.
  http::Response File(std::string_view file) const;

  // Number of asset files found in the swagger directory.
  size_t assets_loaded() const { return assets_.size(); }

 private:
  struct Asset {
    std::string content_type;
    std::string body;
  };
  const types::TypeRegistry& registry_;
  const OpenApiOptions options_;
  std::map<std::string, Asset, std::less<>> assets_;
};

}  // namespace gitops::api
