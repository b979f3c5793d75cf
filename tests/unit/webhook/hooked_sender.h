// HookedSender: a test HttpSender that runs a hook (once) inside the first Post before handing
// the request to a real sender, so a test can make things happen while an attempt is in flight
// (another worker claims the delivery, a serve replica asks for a redelivery) without threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "webhook/http_sender.h"

namespace gitops::webhook::testing {

class HookedSender final : public HttpSender {
 public:
  // `inner` must outlive this sender.
  explicit HookedSender(HttpSender& inner) : inner_(inner) {}

  // Runs `hook` inside the next Post, before the request leaves; then forgets it.
  void BeforeNextPost(std::function<void()> hook) { hook_ = std::move(hook); }

  Result<HttpResult> Post(const std::string& url, const std::vector<HttpHeader>& headers,
                          std::string_view body, std::chrono::milliseconds timeout) override {
    if (hook_) std::exchange(hook_, nullptr)();
    return inner_.Post(url, headers, body, timeout);
  }

 private:
  HttpSender& inner_;
  std::function<void()> hook_;
};

}  // namespace gitops::webhook::testing
