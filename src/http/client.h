// A tiny blocking HTTP/1.1 client over POSIX sockets, for tests and tools (not for production
// traffic: no TLS, no redirects, no proxy). Understands Content-Length, chunked and
// read-until-close bodies.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "http/message.h"

namespace gitops::http {

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;

  // Value of the first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const {
    return FindValue(headers, name, /*ignore_case=*/true);
  }
};

// One TCP connection to an HTTP server; several requests can be sent on it in turn
// (keep-alive). Not thread-safe. Movable; closes the socket when destroyed.
class ClientConnection {
 public:
  // Connects to host:port. Every later read and write fails with DeadlineExceeded after
  // `timeout` without progress. Returns Unavailable when the connection cannot be made.
  static Result<ClientConnection> Connect(
      std::string_view host, uint16_t port,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  ClientConnection(ClientConnection&& other) noexcept;
  ClientConnection& operator=(ClientConnection&& other) noexcept;
  ~ClientConnection();

  // Sends one request and reads its response (without a body for HEAD). Adds `Host` and, when
  // `body` is not empty or the method is POST/PUT/PATCH, `Content-Length` (unless `headers` has
  // Content-Length or Transfer-Encoding, in which case `body` is sent as is).
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              const HeaderList& headers = {}, std::string_view body = {});

  // Writes raw bytes (e.g. a malformed or chunked request) without reading anything.
  Status WriteRaw(std::string_view bytes);

  // Reads one response, skipping 1xx interim responses unless `return_interim`. Unavailable
  // when the server closed the connection before a complete response, InvalidArgument when the
  // response is malformed.
  Result<ClientResponse> ReadResponse(bool return_interim = false);

  // Blocks until the server closes the connection (true) or data arrives or the timeout passes
  // (false). Data that arrives is kept for ReadResponse.
  bool WaitForClose();

  void Close();

 private:
  ClientConnection(int fd, std::string host_header)
      : fd_(fd), host_header_(std::move(host_header)) {}
  // Appends at least one byte to buffer_; false on end-of-file, error or timeout (`error_`).
  bool Fill();
  // Ensures buffer_ holds at least `n` bytes past `pos_`.
  bool Need(size_t n);

  int fd_ = -1;
  std::string host_header_;
  std::string buffer_;  // received bytes not consumed yet, from pos_
  size_t pos_ = 0;
  bool head_request_ = false;  // the response being read answers a HEAD: it has no body
  Error error_;
};

// Connects, sends one request with `Connection: close`, returns the response.
Result<ClientResponse> Fetch(std::string_view host, uint16_t port, std::string_view method,
                             std::string_view target, const HeaderList& headers = {},
                             std::string_view body = {});

}  // namespace gitops::http
