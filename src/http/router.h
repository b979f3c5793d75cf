// Router: maps (method, path pattern) to handlers, with `{param}` segments, 404 and 405 + Allow.
// Routing is a pure function of the request; resource types added at run time are served by a
// pattern with a `{type}` segment whose handler looks the type up itself.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace gitops::http {

// Values captured by `{name}` segments of the matched pattern, percent-decoded.
class PathParams {
 public:
  // The value of parameter `name`, or nullopt when the pattern has no such parameter.
  std::optional<std::string_view> Find(std::string_view name) const {
    return FindValue(items_, name, /*ignore_case=*/false);
  }
  // The value of parameter `name`, or "" when absent.
  std::string_view Get(std::string_view name) const { return Find(name).value_or(""); }
  const ParamList& items() const { return items_; }
  void Add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }

 private:
  ParamList items_;
};

using RouteHandler = std::function<Response(const Request&, const PathParams&)>;

class Router {
 public:
  // `error_formatter` builds the 404 and 405 responses (the router adds the Allow header).
  explicit Router(ErrorFormatter error_formatter = DefaultErrorResponse);

  // Registers `handler` for `method` ("GET") and `pattern`. A pattern starts with '/' and its
  // segments are literals, `{name}` (exactly one non-empty segment) or, as the last segment
  // only, `{name...}` (the rest of the path, possibly empty, '/'-joined). Returns
  // InvalidArgument for a malformed pattern and AlreadyExists when the same method is already
  // registered for a pattern of the same shape. Not thread-safe: register every route before
  // the router serves requests.
  Status Add(std::string method, std::string_view pattern, RouteHandler handler);

  // Dispatches `req` to the most specific route whose pattern matches the request path and
  // whose method matches (a literal segment beats `{param}`, which beats `{rest...}`, compared
  // left to right). Returns 404 when no pattern matches the path, 405 with an `Allow` header
  // listing the methods of every matching pattern when none has the request's method, and
  // 400 when a path segment has a malformed escape. Thread-safe (const, no shared mutation).
  Response Route(const Request& req) const;

  // A Handler that calls Route on this router, which must outlive it.
  Handler AsHandler() const {
    return [this](const Request& req) { return Route(req); };
  }

 private:
  enum class SegmentKind { kLiteral = 0, kParam = 1, kRest = 2 };
  struct Segment {
    SegmentKind kind;
    std::string text;  // literal text or parameter name
  };
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    RouteHandler handler;
  };

  // Matches `path_segments` (decoded) against `entry`; on success fills `params` if non-null.
  static bool Matches(const Entry& entry, const std::vector<std::string>& path_segments,
                      PathParams* params);
  // True when `a` is strictly more specific than `b`.
  static bool MoreSpecific(const Entry& a, const Entry& b);
  static bool SameShape(const Entry& a, const Entry& b);

  ErrorFormatter error_formatter_;
  std::vector<Entry> entries_;  // kept sorted from most to least specific
};

}  // namespace gitops::http
