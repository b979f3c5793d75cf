// Server: an HTTP/1.1 listener (Boost.Beast, hidden behind a pimpl) that reads requests,
// enforces size limits and timeouts, calls one Handler and writes its Response.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace gitops::http {

struct ServerOptions {
  std::string host = "127.0.0.1";      // IP address or host name to bind
  uint16_t port = 0;                   // 0 = an ephemeral port, see Server::port()
  int threads = 2;                     // I/O threads; handlers run on them
  size_t max_body_bytes = 1 << 20;     // larger bodies get 413 (Content-Length or chunked)
  size_t max_header_bytes = 16 << 10;  // larger request heads get 431
  std::chrono::milliseconds read_timeout{30'000};        // to receive one whole request
  std::chrono::milliseconds keep_alive_timeout{60'000};  // idle time between requests
  std::chrono::milliseconds shutdown_grace{10'000};      // Stop() waits this long for requests
  // Builds the bodies of errors raised by the server itself (400, 413, 431, 500).
  ErrorFormatter error_formatter = DefaultErrorResponse;
  // Told about handler exceptions (what()); optional. Called from I/O threads.
  std::function<void(std::string_view)> on_handler_exception;
};

class Server {
 public:
  // `handler` is called concurrently from the I/O threads; it must be thread-safe.
  Server(ServerOptions options, Handler handler);
  // Calls Stop().
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens on host:port and starts the I/O threads. Returns Unavailable naming the
  // address and port when binding fails (e.g. the port is in use), InvalidArgument for a host
  // that does not resolve, FailedPrecondition when called twice. A stopped server cannot be
  // restarted.
  Status Start();

  // The bound port (the ephemeral one when options.port was 0); 0 before Start.
  uint16_t port() const;

  // Graceful stop: stops accepting, closes idle keep-alive connections, lets requests being
  // handled finish (their responses carry `Connection: close`) for up to shutdown_grace, then
  // closes everything and joins the threads. Idempotent; safe from any thread but a handler.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gitops::http
