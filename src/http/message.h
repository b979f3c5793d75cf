// HTTP request and response values exchanged between the server and handlers. Plain data: no
// Boost types, so handlers and their tests never include Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace gitops::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using ParamList = std::vector<std::pair<std::string, std::string>>;

// ASCII case-insensitive comparison (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Returns the value of the first pair whose name matches `name` (case-insensitively when
// `ignore_case`), or nullopt. The view points into `list`.
std::optional<std::string_view> FindValue(const ParamList& list, std::string_view name,
                                          bool ignore_case);

// Decodes %XX escapes (and '+' as a space when `plus_as_space`). Returns nullopt on a malformed
// escape ("%", "%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

struct Request {
  std::string method;  // as sent by the client; the standard methods are upper-case ("GET")
  std::string target;  // raw request-target, e.g. "/api/v1/vm/list?tenant=a%20b"
  std::string path;    // percent-decoded path, without the query ("/api/v1/vm/list")
  ParamList query;     // percent-decoded query parameters in order, '+' decoded as space
  HeaderList headers;  // in the order received; names as sent
  std::string body;
  std::string remote_address;  // peer IP address ("127.0.0.1"), empty when unknown
  uint16_t remote_port = 0;

  // Value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const {
    return FindValue(headers, name, /*ignore_case=*/true);
  }
  // Value of the first query parameter named `name` (case-sensitive), or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const {
    return FindValue(query, name, /*ignore_case=*/false);
  }
};

// Splits and decodes `raw_target` into `req.target`, `req.path` and `req.query`. Returns
// InvalidArgument when the target is not in origin form ("/...") or has a malformed escape.
Status ParseTarget(std::string_view raw_target, Request& req);

// Convenience for tests and in-process callers: a request with method, target (parsed as by
// ParseTarget; an unparsable target leaves path empty), headers and body.
Request MakeRequest(std::string method, std::string_view target, HeaderList headers = {},
                    std::string body = {});

struct Response {
  int status = 200;
  HeaderList headers;  // extra headers; Content-Length and Connection are set by the server
  std::string body;
  std::string content_type = "application/json";  // sent unless `headers` has a Content-Type

  // A response with `status` and a body that is already serialized JSON.
  static Response Json(int status, std::string json_body) {
    Response r;
    r.status = status;
    r.body = std::move(json_body);
    return r;
  }
  // A text/plain response.
  static Response Text(int status, std::string text) {
    Response r;
    r.status = status;
    r.body = std::move(text);
    r.content_type = "text/plain; charset=utf-8";
    return r;
  }
  // Value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const {
    return FindValue(headers, name, /*ignore_case=*/true);
  }
};

// Turns a request into a response. Called concurrently from the server's I/O threads, so it must
// be thread-safe; it should not block for long (it holds an I/O thread while it runs).
using Handler = std::function<Response(const Request&)>;

// Formats the body of errors produced by the HTTP layer itself (400, 404, 405, 413, 431, 500).
// `message` is for people, `details` is optional context. Must be thread-safe.
using ErrorFormatter =
    std::function<Response(int status, std::string_view message, std::string_view details)>;

// The default ErrorFormatter: JSON {"error": message, "code": <slug of status>, "details": ...}
// where the slug is e.g. "not_found", "method_not_allowed", "payload_too_large".
Response DefaultErrorResponse(int status, std::string_view message, std::string_view details);

// Appends `text` to `out` as a JSON string literal (with quotes), escaping as RFC 8259 requires.
void AppendJsonString(std::string& out, std::string_view text);

// The standard reason phrase for `status` ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

}  // namespace gitops::http
