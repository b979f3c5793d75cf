// Blocking HTTP/1.1 client over POSIX sockets (see client.h); deliberately free of Boost so that
// test binaries compile quickly.
#include "http/client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace gitops::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseSize(std::string_view text, int base, size_t& out) {
  text = Trim(text);
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

Error Malformed(std::string what) {
  return MakeError(ErrorCode::kInvalidArgument, "malformed HTTP response", std::move(what));
}

}  // namespace

Result<ClientConnection> ClientConnection::Connect(std::string_view host, uint16_t port,
                                                   std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string host_str(host);
  std::string port_str = std::to_string(port);
  if (int rc = getaddrinfo(host_str.c_str(), port_str.c_str(), &hints, &found); rc != 0) {
    return Unexpected(ErrorCode::kUnavailable, "cannot resolve " + host_str, gai_strerror(rc));
  }
  int fd = -1;
  int last_errno = 0;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    last_errno = errno;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    return Unexpected(ErrorCode::kUnavailable, "cannot connect to " + host_str + ":" + port_str,
                      std::strerror(last_errno));
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return ClientConnection(fd, host_str + ":" + port_str);
}

ClientConnection::ClientConnection(ClientConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      host_header_(std::move(other.host_header_)),
      buffer_(std::move(other.buffer_)),
      pos_(other.pos_),
      head_request_(other.head_request_),
      error_(std::move(other.error_)) {}

ClientConnection& ClientConnection::operator=(ClientConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    host_header_ = std::move(other.host_header_);
    buffer_ = std::move(other.buffer_);
    pos_ = other.pos_;
    head_request_ = other.head_request_;
    error_ = std::move(other.error_);
  }
  return *this;
}

ClientConnection::~ClientConnection() { Close(); }

void ClientConnection::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Status ClientConnection::WriteRaw(std::string_view bytes) {
  if (fd_ < 0) return Unexpected(ErrorCode::kFailedPrecondition, "connection is closed");
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Unexpected(ErrorCode::kDeadlineExceeded, "timed out writing the request");
      }
      return Unexpected(ErrorCode::kUnavailable, "write failed", std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

bool ClientConnection::Fill() {
  if (fd_ < 0) {
    error_ = MakeError(ErrorCode::kFailedPrecondition, "connection is closed");
    return false;
  }
  if (pos_ > 0 && pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  }
  char chunk[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      error_ = MakeError(ErrorCode::kUnavailable, "connection closed by the server");
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      error_ = MakeError(ErrorCode::kDeadlineExceeded, "timed out reading the response");
    } else {
      error_ = MakeError(ErrorCode::kUnavailable, "read failed", std::strerror(errno));
    }
    return false;
  }
}

bool ClientConnection::Need(size_t n) {
  while (buffer_.size() - pos_ < n) {
    if (!Fill()) return false;
  }
  return true;
}

bool ClientConnection::WaitForClose() {
  if (pos_ < buffer_.size()) return false;
  if (Fill()) return false;
  return error_.code == ErrorCode::kUnavailable;
}

Result<ClientResponse> ClientConnection::ReadResponse(bool return_interim) {
  for (;;) {
    // Head: up to the blank line.
    size_t end;
    while ((end = buffer_.find("\r\n\r\n", pos_)) == std::string::npos) {
      if (!Fill()) return Unexpected(error_);
    }
    std::string_view head(buffer_.data() + pos_, end - pos_);
    ClientResponse res;
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12) {
      return Unexpected(Malformed(std::string(status_line)));
    }
    size_t status = 0;
    if (!ParseSize(status_line.substr(9, 3), 10, status)) {
      return Unexpected(Malformed(std::string(status_line)));
    }
    res.status = static_cast<int>(status);
    std::string_view rest =
        line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!rest.empty()) {
      size_t eol = rest.find("\r\n");
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return Unexpected(Malformed(std::string(line)));
      res.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                               std::string(Trim(line.substr(colon + 1))));
    }
    pos_ = end + 4;
    if (res.status >= 100 && res.status < 200) {
      if (return_interim) return res;
      continue;
    }
    if (res.status == 204 || res.status == 304 || head_request_) {
      head_request_ = false;
      return res;
    }

    auto te = res.Header("Transfer-Encoding");
    auto cl = res.Header("Content-Length");
    if (te && EqualsIgnoreCase(*te, "chunked")) {
      for (;;) {
        size_t eol;
        while ((eol = buffer_.find("\r\n", pos_)) == std::string::npos) {
          if (!Fill()) return Unexpected(error_);
        }
        std::string_view size_line(buffer_.data() + pos_, eol - pos_);
        size_line = size_line.substr(0, size_line.find(';'));
        size_t size = 0;
        if (!ParseSize(size_line, 16, size)) {
          return Unexpected(Malformed("chunk size " + std::string(size_line)));
        }
        pos_ = eol + 2;
        if (size == 0) {
          // Trailers (ignored) up to the blank line.
          for (;;) {
            while ((eol = buffer_.find("\r\n", pos_)) == std::string::npos) {
              if (!Fill()) return Unexpected(error_);
            }
            bool blank = eol == pos_;
            pos_ = eol + 2;
            if (blank) return res;
          }
        }
        if (!Need(size + 2)) return Unexpected(error_);
        res.body.append(buffer_, pos_, size);
        pos_ += size + 2;
      }
    }
    if (cl) {
      size_t length = 0;
      if (!ParseSize(*cl, 10, length))
        return Unexpected(Malformed("Content-Length " + std::string(*cl)));
      if (!Need(length)) return Unexpected(error_);
      res.body.assign(buffer_, pos_, length);
      pos_ += length;
      return res;
    }
    // No length: the body runs to the end of the connection.
    while (Fill()) {
    }
    if (error_.code != ErrorCode::kUnavailable) return Unexpected(error_);
    res.body.assign(buffer_, pos_, std::string::npos);
    pos_ = buffer_.size();
    Close();
    return res;
  }
}

Result<ClientResponse> ClientConnection::Send(std::string_view method, std::string_view target,
                                              const HeaderList& headers, std::string_view body) {
  std::string request;
  request.reserve(128 + body.size());
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = FindValue(headers, "Host", true).has_value();
  bool framed = FindValue(headers, "Content-Length", true).has_value() ||
                FindValue(headers, "Transfer-Encoding", true).has_value();
  if (!has_host) request.append("Host: ").append(host_header_).append("\r\n");
  for (const auto& [name, value] : headers) {
    request.append(name).append(": ").append(value).append("\r\n");
  }
  if (!framed && (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")) {
    request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  request.append("\r\n").append(body);
  if (Status written = WriteRaw(request); !written.ok()) return Unexpected(written.error());
  head_request_ = method == "HEAD";
  return ReadResponse();
}

Result<ClientResponse> Fetch(std::string_view host, uint16_t port, std::string_view method,
                             std::string_view target, const HeaderList& headers,
                             std::string_view body) {
  auto conn = ClientConnection::Connect(host, port);
  if (!conn.ok()) return Unexpected(conn.error());
  HeaderList all = headers;
  if (!FindValue(all, "Connection", true)) all.emplace_back("Connection", "close");
  return conn->Send(method, target, all, body);
}

}  // namespace gitops::http
