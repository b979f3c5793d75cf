// TestReceiver: a real HTTP/1.1 webhook receiver on 127.0.0.1 (an ephemeral port) for tests,
// scripted per path: answer with a status, hang without answering, or close the connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gitops::webhook::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  int connection = 0;  // which accepted connection carried it (1, 2, ...)

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct Reply {
  enum class Action { kRespond, kHang, kClose };
  Action action = Action::kRespond;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Reply Status(int status, std::string body = "") {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Reply Hang() {
    Reply r;
    r.action = Action::kHang;
    return r;
  }
  static Reply Close() {
    Reply r;
    r.action = Action::kClose;
    return r;
  }
  Reply With(std::string name, std::string value) && {
    headers.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }
};

class TestReceiver {
 public:
  // Binds 127.0.0.1:0 and starts accepting; aborts the test binary if that fails.
  TestReceiver();
  // Stop().
  ~TestReceiver();
  TestReceiver(const TestReceiver&) = delete;
  TestReceiver& operator=(const TestReceiver&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const;

  // Requests to `path` get `replies` in order, then `fallback` for ever (default: 200).
  void Script(const std::string& path, std::vector<Reply> replies, Reply fallback = Reply());

  // Every request received so far (to `path` when given), in arrival order.
  std::vector<ReceivedRequest> Requests(const std::string& path = "") const;

  // Waits until at least `count` requests to `path` arrived; false after `deadline` (a safety
  // net for a broken test, not a timing assertion).
  bool WaitFor(const std::string& path, size_t count,
               std::chrono::seconds deadline = std::chrono::seconds(20));

  // Closes the listener and every connection (hanging ones too) and joins the threads.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd, int connection);
  Reply NextReply(const std::string& path);

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable arrived_;
  std::map<std::string, std::deque<Reply>> scripts_;
  std::map<std::string, Reply> fallbacks_;
  std::vector<ReceivedRequest> requests_;
  std::vector<std::thread> connections_;
  std::vector<int> fds_;
  int next_connection_ = 1;
  bool stopped_ = false;
  std::thread acceptor_;
};

}  // namespace gitops::webhook::testing
