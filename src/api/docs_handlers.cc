// OpenAPI document and Swagger UI static files.
#include "api/docs_handlers.h"

#include <fstream>
#include <sstream>

#include "api/errors.h"

namespace gitops::api {
namespace {

// <base href> makes the relative asset and document URLs resolve under /docs/ whether the page
// was requested as /docs or /docs/.
constexpr std::string_view kIndexHtml = R"(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>gitops-api - Swagger UI</title>
  <base href="/docs/">
  <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="./index.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="./swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
)";

// validatorUrl null: the default would send the document to validator.swagger.io.
constexpr std::string_view kInitializerJs = R"(window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "./openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
)";

struct AssetSpec {
  const char* name;
  const char* content_type;
};
constexpr AssetSpec kAssets[] = {
    {"swagger-ui.css", "text/css; charset=utf-8"},
    {"index.css", "text/css; charset=utf-8"},
    {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
    {"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
    {"favicon-32x32.png", "image/png"},
};

http::Response Static(std::string content_type, std::string body) {
  http::Response res;
  res.status = 200;
  res.content_type = std::move(content_type);
  res.body = std::move(body);
  res.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return res;
}

}  // namespace

DocsHandlers::DocsHandlers(const types::TypeRegistry& registry, OpenApiOptions options,
                           const std::filesystem::path& swagger_dir)
    : registry_(registry), options_(std::move(options)) {
  if (swagger_dir.empty()) return;
  for (const AssetSpec& spec : kAssets) {
    std::ifstream in(swagger_dir / spec.name, std::ios::binary);
    if (!in) continue;
    std::ostringstream body;
    body << in.rdbuf();
    assets_.emplace(spec.name, Asset{spec.content_type, body.str()});
  }
}

Status DocsHandlers::Register(http::Router& router) {
  auto openapi = Guard([this](const http::Request&, const http::PathParams&) { return OpenApi(); });
  auto index = Guard(
      [this](const http::Request&, const http::PathParams&) { return File("index.html"); });
  GITOPS_RETURN_IF_ERROR(router.Add("GET", "/openapi.json", openapi));
  GITOPS_RETURN_IF_ERROR(router.Add("GET", "/docs", index));
  GITOPS_RETURN_IF_ERROR(router.Add("GET", "/docs/", index));
  return router.Add("GET", "/docs/{file}",
                    Guard([this](const http::Request&, const http::PathParams& params) {
                      return File(params.Get("file"));
                    }));
}

http::Response DocsHandlers::OpenApi() const {
  return JsonResponse(200, BuildOpenApi(registry_.List(), options_));
}

http::Response DocsHandlers::File(std::string_view file) const {
  if (file == "index.html") {
    http::Response res = Static("text/html; charset=utf-8", std::string(kIndexHtml));
    res.headers.clear();  // the page itself is tiny; never cache a stale one
    res.headers.emplace_back("Cache-Control", "no-cache");
    return res;
  }
  if (file == "swagger-initializer.js") {
    return Static("text/javascript; charset=utf-8", std::string(kInitializerJs));
  }
  if (file == "openapi.json") return OpenApi();
  auto it = assets_.find(file);
  if (it == assets_.end()) {
    return FormatHttpError(404, "No such documentation file '" + QuoteForMessage(file) + "'",
                           "file");
  }
  return Static(it->second.content_type, it->second.body);
}

}  // namespace gitops::api
