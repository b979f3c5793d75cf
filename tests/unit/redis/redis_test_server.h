// Redis for tests: the server REDIS_TEST_URL names, or, when it is unset, a throwaway one this
// test process starts with scripts/test-servers.sh and stops when the tests end. Every suite
// works under its own random key prefix (deleted at the end), so binaries run in parallel.
#pragma once

#include <string>

namespace gitops::redistest {

// The shared server's URL (starts it on first use when REDIS_TEST_URL is unset; a failure to
// start is a fatal test error, never a skip).
const std::string& SharedUrl();

// A new key prefix "gitops-test:<random>:" whose keys are deleted when the tests end.
std::string NewPrefix();

// A private Redis (own directory and port) that a test may stop, start and restart without
// disturbing others; stopped and removed by the destructor.
class PrivateServer {
 public:
  PrivateServer();  // throws (a fatal test error) when it cannot start
  ~PrivateServer();
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;
  const std::string& url() const { return url_; }
  void Stop();   // the server is gone; its port stays reserved for Start
  void Start();  // again on the same port, empty (no persistence)

 private:
  std::string url_;
  std::string dir_;
};

}  // namespace gitops::redistest
