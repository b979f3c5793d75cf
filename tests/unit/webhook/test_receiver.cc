// TestReceiver: blocking POSIX sockets, one thread per connection, poll() with a wake pipe so
// Stop() releases every thread (hanging replies included).
#include "test_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace gitops::webhook::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

TestReceiver::TestReceiver() {
  if (::pipe(wake_pipe_) != 0) std::abort();
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ||
      ::listen(listen_fd_, 64)) {
    std::perror("TestReceiver");
    std::abort();
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestReceiver::~TestReceiver() { Stop(); }

std::string TestReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TestReceiver::Script(const std::string& path, std::vector<Reply> replies, Reply fallback) {
  std::lock_guard lock(mu_);
  scripts_[path] = std::deque<Reply>(replies.begin(), replies.end());
  fallbacks_[path] = std::move(fallback);
}

std::vector<ReceivedRequest> TestReceiver::Requests(const std::string& path) const {
  std::lock_guard lock(mu_);
  std::vector<ReceivedRequest> out;
  for (const auto& r : requests_) {
    if (path.empty() || r.path == path) out.push_back(r);
  }
  return out;
}

bool TestReceiver::WaitFor(const std::string& path, size_t count, std::chrono::seconds deadline) {
  std::unique_lock lock(mu_);
  return arrived_.wait_for(lock, deadline, [&] {
    return static_cast<size_t>(std::count_if(requests_.begin(), requests_.end(),
                                             [&](auto& r) { return r.path == path; })) >= count;
  });
}

void TestReceiver::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  char byte = 1;
  (void)!::write(wake_pipe_[1], &byte, 1);  // stays readable: wakes every poll() for good
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(connections_);
  }
  for (auto& t : threads) t.join();
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

void TestReceiver::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    int connection = next_connection_++;
    connections_.emplace_back([this, fd, connection] { Serve(fd, connection); });
  }
}

Reply TestReceiver::NextReply(const std::string& path) {
  auto script = scripts_.find(path);
  if (script != scripts_.end() && !script->second.empty()) {
    Reply reply = std::move(script->second.front());
    script->second.pop_front();
    return reply;
  }
  auto fallback = fallbacks_.find(path);
  return fallback == fallbacks_.end() ? Reply() : fallback->second;
}

void TestReceiver::Serve(int fd, int connection) {
  std::string buffer;
  // Reads more into `buffer`; false on EOF, error or Stop().
  auto read_more = [&]() {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  };
  while (true) {
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) {
        ::close(fd);
        return;
      }
    }
    ReceivedRequest request;
    request.connection = connection;
    std::string head = buffer.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.find(' ', sp1 + 1);
    request.method = request_line.substr(0, sp1);
    request.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        request.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
      }
      pos = end + 2;
    }
    size_t length = std::strtoul(request.Header("content-length").c_str(), nullptr, 10);
    while (buffer.size() < head_end + 4 + length) {
      if (!read_more()) {
        ::close(fd);
        return;
      }
    }
    request.body = buffer.substr(head_end + 4, length);
    buffer.erase(0, head_end + 4 + length);
    Reply reply;
    {
      std::lock_guard lock(mu_);
      reply = NextReply(request.path);
      requests_.push_back(request);
    }
    arrived_.notify_all();
    if (reply.action == Reply::Action::kClose) {
      ::close(fd);
      return;
    }
    if (reply.action == Reply::Action::kHang) {
      // Until the client gives up (EOF) or Stop().
      while (read_more()) {
      }
      ::close(fd);
      return;
    }
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Test\r\n";
    response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    for (const auto& [name, value] : reply.headers) response += name + ": " + value + "\r\n";
    response += "\r\n" + reply.body;
    if (!SendAll(fd, response)) {
      ::close(fd);
      return;
    }
  }
}

}  // namespace gitops::webhook::testing
