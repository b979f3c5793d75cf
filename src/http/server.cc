// Server implementation: the only Beast/Asio translation unit of the service. One coroutine per
// connection on its own strand; the session reads, enforces limits and timeouts, calls the
// handler and writes; nothing here knows what the requests mean.
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>  // must precede Asio (std::exchange in awaitable.hpp with g++ 12)
#include <vector>

namespace gitops::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxDrainBytes = 1 << 20;
constexpr std::chrono::milliseconds kMaxDrainTime{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

auto Redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Header names the server owns: a handler cannot set them.
bool IsReservedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
         EqualsIgnoreCase(name, "Transfer-Encoding");
}

// Writes the status line and headers of `res` into `out` (cleared first).
void SerializeHead(const Response& res, bool keep_alive, bool http10, std::string& out) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += ReasonPhrase(res.status);
  out += "\r\n";
  bool has_content_type = false;
  for (const auto& [name, value] : res.headers) {
    if (name.empty() || IsReservedHeader(name) || HasCrLf(name) || HasCrLf(value)) continue;
    if (EqualsIgnoreCase(name, "Content-Type")) has_content_type = true;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  bool no_body = res.status == 204 || res.status == 304 || (res.status >= 100 && res.status < 200);
  if (!has_content_type && !res.content_type.empty() && !no_body && !HasCrLf(res.content_type)) {
    out += "Content-Type: ";
    out += res.content_type;
    out += "\r\n";
  }
  if (!no_body) {
    out += "Content-Length: ";
    out += std::to_string(res.body.size());
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

// A client connection. `idle` is only touched on the connection's strand.
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool idle = false;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {
    if (!options_.error_formatter) options_.error_formatter = DefaultErrorResponse;
    if (options_.threads < 1) options_.threads = 1;
  }
  ~Impl() { Stop(); }

  Status Start();
  void Stop();
  uint16_t port() const { return port_.load(); }

 private:
  // Counts a running coroutine (acceptor or session) and, for sessions, its registration;
  // released when the coroutine ends or its frame is destroyed.
  class TaskGuard {
   public:
    TaskGuard(Impl* impl, std::shared_ptr<Connection> conn) : impl_(impl), conn_(std::move(conn)) {}
    ~TaskGuard() {
      std::lock_guard lock(impl_->mu_);
      if (conn_) impl_->connections_.erase(conn_);
      if (--impl_->tasks_ == 0) impl_->cv_.notify_all();
    }
    TaskGuard(const TaskGuard&) = delete;
    TaskGuard& operator=(const TaskGuard&) = delete;

   private:
    Impl* impl_;
    std::shared_ptr<Connection> conn_;
  };

  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  // Writes `res` with `Connection: close` then drains what the client still sends for a short
  // while, so that closing does not reset the connection before the client reads the response.
  asio::awaitable<void> FailAndClose(beast::tcp_stream& stream, Response res, std::string& head);
  Response CallHandler(const Request& req);
  Response MakeError(int status, std::string_view message, std::string_view details);

  ServerOptions options_;
  Handler handler_;
  std::unique_ptr<asio::io_context> ioc_;
  std::optional<tcp::acceptor> acceptor_;  // used on its own strand only
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> port_{0};

  std::mutex lifecycle_mu_;  // serializes Start and Stop
  bool started_ = false;
  bool stopped_ = false;

  std::mutex mu_;  // guards connections_ and tasks_; never held across I/O
  std::condition_variable cv_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
  int tasks_ = 0;
};

Status Server::Impl::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (started_ || stopped_) {
    return Unexpected(ErrorCode::kFailedPrecondition, "server already started or stopped");
  }
  auto ioc = std::make_unique<asio::io_context>(options_.threads);
  beast::error_code ec;
  std::string where = options_.host + ":" + std::to_string(options_.port);
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(*ioc);
    auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "cannot resolve listen address " + options_.host,
                        ec ? ec.message() : "no address");
    }
    endpoint = results.begin()->endpoint();
  }
  tcp::acceptor acceptor(asio::make_strand(*ioc));
  auto fail = [&](std::string_view step) {
    return Unexpected(ErrorCode::kUnavailable,
                      "cannot listen on " + where + " (port " + std::to_string(options_.port) +
                          "): " + ec.message(),
                      std::string(step));
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec)) return fail("setsockopt");
  if (acceptor.bind(endpoint, ec)) return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  port_ = acceptor.local_endpoint(ec).port();

  ioc_ = std::move(ioc);
  acceptor_.emplace(std::move(acceptor));
  {
    std::lock_guard lock(mu_);
    tasks_ = 1;
  }
  asio::co_spawn(acceptor_->get_executor(), Accept(), asio::detached);
  threads_.reserve(options_.threads);
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_->run();
          return;
        } catch (...) {
          // A completion handler threw; keep serving the other connections.
        }
      }
    });
  }
  started_ = true;
  return OkStatus();
}

void Server::Impl::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return;
  stopping_ = true;

  asio::post(acceptor_->get_executor(), [this] {
    beast::error_code ec;
    acceptor_->close(ec);
  });
  {
    std::lock_guard lock(mu_);
    for (const auto& conn : connections_) {
      asio::post(conn->stream.get_executor(), [conn] {
        // Runs on the connection's strand, so `idle` is stable here. A busy connection sees
        // `stopping_` when it next becomes idle and closes itself.
        if (conn->idle) {
          beast::error_code ec;
          conn->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
          conn->stream.socket().close(ec);
        }
      });
    }
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.shutdown_grace, [this] { return tasks_ == 0; });
  }
  ioc_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Destroy what is left (sessions past the grace period) while this object is still alive:
  // their coroutine frames unregister themselves from connections_.
  acceptor_.reset();
  {
    std::lock_guard lock(mu_);
    connections_.clear();
  }
  ioc_.reset();
}

asio::awaitable<void> Server::Impl::Accept() {
  TaskGuard guard(this, nullptr);
  for (;;) {
    tcp::socket socket(asio::make_strand(*ioc_));
    beast::error_code ec;
    co_await acceptor_->async_accept(socket, Redirect(ec));
    if (stopping_.load()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      // E.g. out of file descriptors: back off a little instead of spinning.
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(Redirect(ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(mu_);
      connections_.insert(conn);
      ++tasks_;
    }
    auto executor = conn->stream.get_executor();
    asio::co_spawn(executor, Serve(std::move(conn)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Connection> conn) {
  TaskGuard guard(this, conn);
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  std::string head;
  beast::error_code ec;
  std::string remote_address;
  uint16_t remote_port = 0;
  if (auto ep = stream.socket().remote_endpoint(ec); !ec) {
    remote_address = ep.address().to_string();
    remote_port = ep.port();
  }

  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      // Waiting for the next request: this is the only state Stop() may close.
      conn->idle = true;
      if (stopping_.load()) break;
      stream.expires_after(first ? options_.read_timeout : options_.keep_alive_timeout);
      size_t n = co_await stream.async_read_some(buffer.prepare(kReadChunk), Redirect(ec));
      conn->idle = false;
      if (ec) break;
      buffer.commit(n);
    }
    first = false;

    stream.expires_after(options_.read_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    co_await bhttp::async_read_header(stream, buffer, parser, Redirect(ec));
    if (!ec && !parser.is_done()) {
      auto expect = parser.get()[bhttp::field::expect];
      if (EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
        co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                                   Redirect(ec));
        if (ec) break;
      }
      co_await bhttp::async_read(stream, buffer, parser, Redirect(ec));
    }
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        co_await FailAndClose(
            stream,
            MakeError(413, "Request body too large",
                      "limit is " + std::to_string(options_.max_body_bytes) + " bytes"),
            head);
      } else if (ec == bhttp::error::header_limit) {
        co_await FailAndClose(
            stream,
            MakeError(431, "Request header too large",
                      "limit is " + std::to_string(options_.max_header_bytes) + " bytes"),
            head);
      } else if (ec.category() == beast::error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
                 ec != bhttp::error::need_more) {
        co_await FailAndClose(stream, MakeError(400, "Malformed HTTP request", ec.message()), head);
      }
      // Timeouts, resets and a client closing mid-request end the connection silently.
      break;
    }

    auto& msg = parser.get();
    bool keep_alive = msg.keep_alive();
    bool http10 = msg.version() == 10;
    Request req;
    req.method.assign(msg.method_string().data(), msg.method_string().size());
    Response res;
    if (Status parsed =
            ParseTarget(std::string_view(msg.target().data(), msg.target().size()), req);
        !parsed.ok()) {
      res = MakeError(400, parsed.error().message, parsed.error().details);
    } else {
      req.headers.reserve(8);
      for (const auto& field : msg) {
        req.headers.emplace_back(
            std::string(field.name_string().data(), field.name_string().size()),
            std::string(field.value().data(), field.value().size()));
      }
      req.body = std::move(msg.body());
      req.remote_address = remote_address;
      req.remote_port = remote_port;
      res = CallHandler(req);
    }

    keep_alive = keep_alive && !stopping_.load();
    SerializeHead(res, keep_alive, http10, head);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(res.body)};
    // HEAD responses carry the length of the body they would have, but not the body.
    if (res.status == 204 || res.status == 304 || req.method == "HEAD") {
      buffers[1] = asio::const_buffer();
    }
    stream.expires_after(options_.read_timeout);
    co_await asio::async_write(stream, buffers, Redirect(ec));
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

asio::awaitable<void> Server::Impl::FailAndClose(beast::tcp_stream& stream, Response res,
                                                 std::string& head) {
  beast::error_code ec;
  SerializeHead(res, /*keep_alive=*/false, /*http10=*/false, head);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(res.body)};
  stream.expires_after(options_.read_timeout);
  co_await asio::async_write(stream, buffers, Redirect(ec));
  if (ec) co_return;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::min<std::chrono::milliseconds>(options_.read_timeout, kMaxDrainTime));
  std::array<char, 4096> scratch;
  size_t drained = 0;
  while (drained < kMaxDrainBytes && !stopping_.load()) {
    size_t n = co_await stream.async_read_some(asio::buffer(scratch), Redirect(ec));
    if (ec) break;
    drained += n;
  }
}

Response Server::Impl::CallHandler(const Request& req) {
  std::string what;
  try {
    return handler_(req);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  if (options_.on_handler_exception) {
    try {
      options_.on_handler_exception(what);
    } catch (...) {
    }
  }
  return MakeError(500, "Internal server error", "");
}

Response Server::Impl::MakeError(int status, std::string_view message, std::string_view details) {
  try {
    return options_.error_formatter(status, message, details);
  } catch (...) {
    return DefaultErrorResponse(status, message, details);
  }
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace gitops::http
