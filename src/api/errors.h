// Error translation for the REST API: the one place where an Error (or an HTTP-level failure)
// becomes an HTTP status and the JSON body {"error", "code", "details"}.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "http/message.h"
#include "http/router.h"

namespace gitops::api {

using Json = nlohmann::ordered_json;

// The HTTP status for a canonical error code: InvalidArgument 400, NotFound 404,
// AlreadyExists/FailedPrecondition/Aborted 409, ResourceExhausted 429, PermissionDenied 403,
// Unauthenticated 401, Unavailable 503, DeadlineExceeded 504, Internal 500.
int HttpStatusFor(ErrorCode code);

// {"error": message, "code": <canonical code name, e.g. "invalid_argument">, "details": details
// or null} with HttpStatusFor(error.code).
http::Response ErrorResponse(const Error& error);

// An error body for an HTTP-level failure with an explicit status. `code` is the canonical name
// when the status has one (400 "invalid_argument", 404 "not_found", 409 "already_exists",
// 503 "unavailable", ...), else the status slug ("method_not_allowed", "payload_too_large",
// "unsupported_media_type", "header_too_large"). Thread-safe; usable as an http::ErrorFormatter
// for both the Router and the Server, so every error the service sends has this shape.
http::Response FormatHttpError(int status, std::string_view message, std::string_view details);

// A JSON response; invalid UTF-8 in strings is replaced rather than thrown on.
http::Response JsonResponse(int status, const Json& body);

// `value` made safe to quote in a message: at most 64 characters, bytes outside printable
// ASCII replaced by '?'.
std::string QuoteForMessage(std::string_view value);

// Wraps `handler` so that an exception escaping it becomes a 500 JSON error instead of reaching
// the server (handlers are expected not to throw; this is the last line of defence).
http::RouteHandler Guard(http::RouteHandler handler);

// 415 for a write whose Content-Type is not JSON, naming the type that was sent.
http::Response UnsupportedMediaType(const http::Request& req);

}  // namespace gitops::api
