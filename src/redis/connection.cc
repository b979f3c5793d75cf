// redis::Connection over hiredis' synchronous API: the only file that includes hiredis.
#include "redis/connection.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <charconv>
#include <cstdio>

namespace gitops::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Reply Copy(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.kind = Reply::Kind::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.kind = Reply::Kind::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = Reply::Kind::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = Reply::Kind::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = Reply::Kind::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.kind = Reply::Kind::kNil;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Percent-decodes a URL user-info part.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int value = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16).ptr == s.data() + i + 3) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string Sha1Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha1(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace

Result<Endpoint> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    if (url.substr(0, 9) == "rediss://") {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "rediss:// (TLS) is not supported: this build's hiredis has no TLS");
    }
    return Unexpected(ErrorCode::kInvalidArgument, "REDIS_URL must start with redis://");
  }
  Endpoint ep;
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('?'));
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      ep.password = Unescape(userinfo);  // redis://secret@host: the password alone
    } else {
      ep.username = Unescape(userinfo.substr(0, colon));
      ep.password = Unescape(userinfo.substr(colon + 1));
    }
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Unexpected(ErrorCode::kInvalidArgument, "REDIS_URL has a bad IPv6 host");
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!host.empty()) ep.host = std::string(host);
  if (!port.empty() && (!ParseInt(port, ep.port) || ep.port <= 0 || ep.port > 65535)) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "REDIS_URL has a bad port '" + std::string(port) + "'");
  }
  if (!path.empty() && (!ParseInt(path, ep.db) || ep.db < 0)) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "REDIS_URL has a bad database number '" + std::string(path) + "'");
  }
  return ep;
}

std::string Describe(const Endpoint& endpoint) {
  return endpoint.host + ":" + std::to_string(endpoint.port) + "/" + std::to_string(endpoint.db);
}

bool IsServerError(const Error& error, std::string_view prefix) {
  return error.code == ErrorCode::kInternal && error.details.substr(0, prefix.size()) == prefix;
}

Script::Script(std::string source) : source_(std::move(source)), sha1_(Sha1Hex(source_)) {}

struct Connection::Handle {
  redisContext* ctx = nullptr;
  int fd = -1;
  ~Handle() {
    if (ctx != nullptr) redisFree(ctx);
  }
};

Connection::Connection(std::unique_ptr<Handle> handle, std::string target,
                       std::chrono::milliseconds command_timeout)
    : handle_(std::move(handle)), target_(std::move(target)), command_timeout_(command_timeout) {}

Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Open(const Endpoint& endpoint,
                                                     const ConnectionOptions& options) {
  std::string target = Describe(endpoint);
  auto handle = std::make_unique<Handle>();
  handle->ctx = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                        ToTimeval(options.connect_timeout));
  if (handle->ctx == nullptr) {
    return Unexpected(ErrorCode::kUnavailable, "redis " + target + ": cannot allocate a context");
  }
  if (handle->ctx->err != 0) {
    return Unexpected(ErrorCode::kUnavailable,
                      "redis " + target + " unreachable: " + handle->ctx->errstr);
  }
  if (redisSetTimeout(handle->ctx, ToTimeval(options.command_timeout)) != REDIS_OK) {
    return Unexpected(ErrorCode::kUnavailable, "redis " + target + ": cannot set the timeout");
  }
  redisEnableKeepAlive(handle->ctx);
  handle->fd = handle->ctx->fd;
  std::unique_ptr<Connection> conn(
      new Connection(std::move(handle), target, options.command_timeout));
  if (!endpoint.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    auto reply = conn->Command(auth);
    if (!reply.ok()) {
      // The server's text never holds the password; ours must not either.
      return Unexpected(ErrorCode::kUnavailable,
                        "redis " + target + " refused the login: " + reply.error().details);
    }
  }
  if (endpoint.db != 0) {
    std::string db = std::to_string(endpoint.db);
    auto reply = conn->Command({"SELECT", db});
    if (!reply.ok()) {
      return Unexpected(ErrorCode::kUnavailable,
                        "redis " + target + ": SELECT " + db + " failed: " + reply.error().details);
    }
  }
  return conn;
}

Error Connection::IoError(std::string_view what) {
  broken_ = true;
  std::string reason = interrupted_ ? "interrupted" : handle_->ctx->errstr;
  if (reason.empty()) reason = "connection lost";
  return MakeError(ErrorCode::kUnavailable,
                   "redis " + target_ + " " + std::string(what) + ": " + reason);
}

Result<Reply> Connection::Send(const std::vector<std::string_view>& args) {
  if (broken_) return MakeError(ErrorCode::kUnavailable, "redis " + target_ + ": connection lost");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(handle_->ctx, static_cast<int>(args.size()), argv.data(), lens.data())));
  if (!reply) return IoError(args.empty() ? "" : std::string(args[0]));
  Reply out = Copy(reply.get());
  if (out.IsError()) {
    return MakeError(ErrorCode::kInternal,
                     "redis " + std::string(args.empty() ? "" : args[0]) + ": " + out.str, out.str);
  }
  return out;
}

Result<Reply> Connection::Command(const std::vector<std::string_view>& args) { return Send(args); }

Result<Reply> Connection::CommandWithTimeout(const std::vector<std::string_view>& args,
                                             std::chrono::milliseconds timeout) {
  if (broken_) return MakeError(ErrorCode::kUnavailable, "redis " + target_ + ": connection lost");
  redisSetTimeout(handle_->ctx, ToTimeval(timeout));
  auto result = Send(args);
  if (!broken_) redisSetTimeout(handle_->ctx, ToTimeval(command_timeout_));
  return result;
}

Result<std::vector<Reply>> Connection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return MakeError(ErrorCode::kUnavailable, "redis " + target_ + ": connection lost");
  for (const auto& command : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : command) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(handle_->ctx, static_cast<int>(command.size()), argv.data(),
                               lens.data()) != REDIS_OK) {
      return IoError("pipeline");
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(handle_->ctx, &raw) != REDIS_OK || raw == nullptr) {
      return IoError("pipeline");
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    replies.push_back(Copy(reply.get()));
  }
  return replies;
}

Result<Reply> Connection::Eval(const Script& script, const std::vector<std::string_view>& keys,
                               const std::vector<std::string_view>& args) {
  std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv{"EVALSHA", script.sha1(), numkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto reply = Send(argv);
  if (reply.ok() || !IsServerError(reply.error(), "NOSCRIPT")) return reply;
  argv[0] = "EVAL";
  argv[1] = script.source();
  return Send(argv);
}

Status Connection::Ping() {
  auto reply = Command({"PING"});
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  if (reply->str != "PONG") {
    return Unexpected(ErrorCode::kUnavailable,
                      "redis " + target_ + ": PING answered " + reply->str);
  }
  return OkStatus();
}

bool Connection::ClosedByServer() {
  if (broken_) return true;
  // Nothing is due on an idle connection: anything readable is the server's close (or junk).
  pollfd p{handle_->fd, POLLIN, 0};
  if (::poll(&p, 1, 0) != 0) broken_ = true;
  return broken_;
}

void Connection::Interrupt() {
  interrupted_ = true;
  broken_ = true;
  if (handle_->fd >= 0) ::shutdown(handle_->fd, SHUT_RDWR);
}

}  // namespace gitops::redis
