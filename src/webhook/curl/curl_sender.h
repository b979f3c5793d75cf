// CurlSender: HttpSender over libcurl easy handles. Handles are pooled and reused so connections
// to a receiver stay alive between deliveries; no CURL type leaves curl_sender.cc.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "webhook/http_sender.h"

namespace gitops::webhook {

struct CurlSenderOptions {
  // Longest wait to establish a connection (capped by each call's timeout).
  std::chrono::milliseconds connect_timeout{10'000};
  // Idle handles kept for reuse (each keeps its connections alive); more are created on demand.
  size_t max_idle_handles = 16;
};

class CurlSender final : public HttpSender {
 public:
  explicit CurlSender(CurlSenderOptions options = {});
  ~CurlSender() override;
  CurlSender(const CurlSender&) = delete;
  CurlSender& operator=(const CurlSender&) = delete;

  // See HttpSender::Post. Only http and https; CURLOPT_NOSIGNAL set; no redirects followed; an
  // empty "Expect:" so bodies are sent without waiting for 100-continue. Thread-safe: each call
  // uses its own easy handle taken from the pool.
  Result<HttpResult> Post(const std::string& url, const std::vector<HttpHeader>& headers,
                          std::string_view body, std::chrono::milliseconds timeout) override;

 private:
  class Handle;
  std::unique_ptr<Handle> Take();
  void Give(std::unique_ptr<Handle> handle);

  CurlSenderOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace gitops::webhook
