// Router implementation: patterns are split into segments once, at registration; a request is
// split once and compared against the routes, most specific first.
#include "http/router.h"

#include <algorithm>

namespace gitops::http {
namespace {

// Splits "/a/b" into {"a", "b"} ("/" gives {""}). `text` must start with '/'.
std::vector<std::string_view> SplitPath(std::string_view text) {
  std::vector<std::string_view> out;
  text.remove_prefix(1);
  for (;;) {
    size_t slash = text.find('/');
    out.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

Router::Router(ErrorFormatter error_formatter) : error_formatter_(std::move(error_formatter)) {}

Status Router::Add(std::string method, std::string_view pattern, RouteHandler handler) {
  if (method.empty()) return Unexpected(ErrorCode::kInvalidArgument, "route method is empty");
  if (!handler) return Unexpected(ErrorCode::kInvalidArgument, "route handler is empty");
  if (pattern.empty() || pattern.front() != '/') {
    return Unexpected(ErrorCode::kInvalidArgument, "route pattern must start with '/'",
                      std::string(pattern));
  }
  Entry entry{std::move(method), std::string(pattern), {}, std::move(handler)};
  std::vector<std::string_view> parts = SplitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      SegmentKind kind = SegmentKind::kParam;
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        name.remove_suffix(3);
        kind = SegmentKind::kRest;
        if (i + 1 != parts.size()) {
          return Unexpected(ErrorCode::kInvalidArgument, "a {name...} segment must be the last one",
                            std::string(pattern));
        }
      }
      if (name.empty() || name.find_first_of("{}/") != std::string_view::npos) {
        return Unexpected(ErrorCode::kInvalidArgument, "malformed parameter segment",
                          std::string(pattern));
      }
      entry.segments.push_back(Segment{kind, std::string(name)});
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "a parameter must fill a whole segment: {name}", std::string(pattern));
      }
      entry.segments.push_back(Segment{SegmentKind::kLiteral, std::string(part)});
    }
  }
  for (const Entry& other : entries_) {
    if (other.method == entry.method && SameShape(other, entry)) {
      return Unexpected(ErrorCode::kAlreadyExists, "route already registered",
                        entry.method + " " + entry.pattern + " (as " + other.pattern + ")");
    }
  }
  // Insert before the first entry that is less specific, keeping the list sorted.
  auto pos = std::find_if(entries_.begin(), entries_.end(),
                          [&](const Entry& e) { return MoreSpecific(entry, e); });
  entries_.insert(pos, std::move(entry));
  return OkStatus();
}

bool Router::SameShape(const Entry& a, const Entry& b) {
  if (a.segments.size() != b.segments.size()) return false;
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const Segment& x = a.segments[i];
    const Segment& y = b.segments[i];
    if (x.kind != y.kind) return false;
    if (x.kind == SegmentKind::kLiteral && x.text != y.text) return false;
  }
  return true;
}

bool Router::MoreSpecific(const Entry& a, const Entry& b) {
  size_t n = std::min(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < n; ++i) {
    auto ka = a.segments[i].kind;
    auto kb = b.segments[i].kind;
    if (ka != kb) return ka < kb;
  }
  // Same kinds on the common prefix: the longer pattern is more specific (it names more).
  return a.segments.size() > b.segments.size();
}

bool Router::Matches(const Entry& entry, const std::vector<std::string>& path, PathParams* params) {
  const auto& segs = entry.segments;
  for (size_t i = 0; i < segs.size(); ++i) {
    const Segment& seg = segs[i];
    if (seg.kind == SegmentKind::kRest) {
      if (params != nullptr) {
        std::string rest;
        for (size_t j = i; j < path.size(); ++j) {
          if (j > i) rest.push_back('/');
          rest += path[j];
        }
        params->Add(seg.text, std::move(rest));
      }
      return true;
    }
    if (i >= path.size()) return false;
    if (seg.kind == SegmentKind::kLiteral) {
      if (seg.text != path[i]) return false;
    } else {
      if (path[i].empty()) return false;
      if (params != nullptr) params->Add(seg.text, path[i]);
    }
  }
  return segs.size() == path.size();
}

Response Router::Route(const Request& req) const {
  // Split the raw path and decode each segment, so an escaped '/' (%2F) stays inside its
  // segment. Requests built without a target (in-process callers) use the decoded path.
  std::vector<std::string> segments;
  std::string_view raw = req.target;
  bool decode = true;
  if (raw.empty()) {
    raw = req.path;
    decode = false;
  }
  raw = raw.substr(0, raw.find('?'));
  if (raw.empty() || raw.front() != '/') {
    return error_formatter_(404, "No route for path", std::string(raw));
  }
  for (std::string_view part : SplitPath(raw)) {
    if (!decode || part.find('%') == std::string_view::npos) {
      segments.emplace_back(part);
      continue;
    }
    auto decoded = PercentDecode(part, /*plus_as_space=*/false);
    if (!decoded) return error_formatter_(400, "Malformed percent-escape in path", part);
    segments.push_back(std::move(*decoded));
  }

  bool path_matched = false;
  for (const Entry& entry : entries_) {
    if (entry.method != req.method) continue;
    PathParams params;
    if (Matches(entry, segments, &params)) return entry.handler(req, params);
  }
  std::vector<std::string_view> allowed;
  for (const Entry& entry : entries_) {
    if (Matches(entry, segments, nullptr)) {
      path_matched = true;
      allowed.push_back(entry.method);
    }
  }
  if (!path_matched) return error_formatter_(404, "No route for path", req.path);
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  std::string allow;
  for (std::string_view m : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  Response res =
      error_formatter_(405, "Method " + req.method + " not allowed for path", "allowed: " + allow);
  res.headers.emplace_back("Allow", std::move(allow));
  return res;
}

}  // namespace gitops::http
