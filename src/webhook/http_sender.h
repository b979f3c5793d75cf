// HttpSender: the seam through which deliveries leave the process (libcurl in production, a
// fake in tests). One POST, no redirects followed, bounded by a timeout.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace gitops::webhook {

struct HttpHeader {
  std::string name;
  std::string value;
};

// The receiver's answer, whatever its status.
struct HttpResult {
  int status = 0;
  std::string retry_after;  // the Retry-After header as sent ("" when absent)
  std::string location;     // the Location header of a redirect ("" when absent)
  std::string body;         // the start of the response body (at most kMaxBodyExcerpt bytes)
};

inline constexpr size_t kMaxBodyExcerpt = 512;

class HttpSender {
 public:
  virtual ~HttpSender() = default;

  // POSTs `body` with `headers` to `url` and returns the answer; redirects are not followed (a
  // 3xx is returned as it is). The whole exchange takes at most `timeout`.
  // Errors: kDeadlineExceeded (timed out), kUnavailable (cannot connect, connection closed or
  // reset without an answer, TLS failure), kInvalidArgument (malformed or non-http(s) URL).
  // Thread-safe.
  virtual Result<HttpResult> Post(const std::string& url, const std::vector<HttpHeader>& headers,
                                  std::string_view body, std::chrono::milliseconds timeout) = 0;
};

}  // namespace gitops::webhook
