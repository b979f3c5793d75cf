// redis::Connection: one Redis session over hiredis (RESP2) behind an RAII handle, with
// binary-safe argument vectors, pipelines and Lua scripts; replies are copied into the plain
// redis::Reply value. No hiredis type appears in this header (hiredis is included only here).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace gitops::redis {

// A reply, copied out of hiredis. RESP2 only (hiredis 0.14 cannot speak RESP3).
struct Reply {
  enum class Kind { kNil, kString, kStatus, kInteger, kArray, kError };
  Kind kind = Kind::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<Reply> elements;  // kArray

  bool IsNil() const { return kind == Kind::kNil; }
  bool IsError() const { return kind == Kind::kError; }
};

// Where a server is: parsed from redis://[[user]:password@]host[:port][/db].
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;  // empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
};

// Parses a redis:// URL. kInvalidArgument (without the password in the message) for another
// scheme, a bad port or a bad database number. rediss:// (TLS) is refused: hiredis here has no
// TLS support.
Result<Endpoint> ParseUrl(std::string_view url);

// "host:port/db", for messages (never the password).
std::string Describe(const Endpoint& endpoint);

struct ConnectionOptions {
  std::chrono::milliseconds connect_timeout{1000};
  // Every reply must arrive within this time, or the connection fails (kUnavailable) and is
  // Broken(): a hung server never hangs a caller. Blocking commands use CommandWithTimeout.
  std::chrono::milliseconds command_timeout{2000};
};

// A Lua script with its SHA1, run with EVALSHA (falling back to EVAL after a server restart
// emptied the script cache).
class Script {
 public:
  explicit Script(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

class Connection {
 public:
  // Connects, authenticates (AUTH) and selects the database. kUnavailable naming host:port/db
  // when the server cannot be reached or refuses the login.
  static Result<std::unique_ptr<Connection>> Open(const Endpoint& endpoint,
                                                  const ConnectionOptions& options = {});

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one command (each argument sent as is, binary-safe). A server error reply becomes an
  // Error with code kInternal and the server's text in `details` ("NOSCRIPT ...", "BUSYGROUP
  // ..."); a failed or timed-out connection gives kUnavailable and leaves it Broken().
  Result<Reply> Command(const std::vector<std::string_view>& args);

  // Command with a reply timeout of `timeout` for this call only (BLPOP/XREAD BLOCK: it must
  // exceed the command's own blocking time, or the connection dies).
  Result<Reply> CommandWithTimeout(const std::vector<std::string_view>& args,
                                   std::chrono::milliseconds timeout);

  // Sends all commands in one write and reads every reply; server errors stay in the replies
  // (Kind::kError). kUnavailable when the connection fails.
  Result<std::vector<Reply>> Pipeline(const std::vector<std::vector<std::string>>& commands);

  // Runs `script` with EVALSHA, or EVAL when the server does not know it. Errors as Command.
  Result<Reply> Eval(const Script& script, const std::vector<std::string_view>& keys,
                     const std::vector<std::string_view>& args);

  // PING; ok when the server answered PONG.
  Status Ping();

  // True once the connection failed (or was interrupted); it must then be thrown away.
  bool Broken() const { return broken_.load(); }

  // For a connection idle between commands: true (and Broken() from then on) when the
  // server closed it meanwhile (restart, idle timeout), seen without a round trip.
  bool ClosedByServer();

  // Makes a command blocked in another thread fail at once with kUnavailable (shuts the socket
  // down); the connection is Broken() afterwards. Thread-safe, the only such method.
  void Interrupt();

  // "host:port/db" of this connection, for messages.
  const std::string& target() const { return target_; }

 private:
  struct Handle;
  Connection(std::unique_ptr<Handle> handle, std::string target,
             std::chrono::milliseconds command_timeout);
  Result<Reply> Send(const std::vector<std::string_view>& args);
  Error IoError(std::string_view what);

  std::unique_ptr<Handle> handle_;
  std::string target_;
  std::chrono::milliseconds command_timeout_;
  std::atomic<bool> broken_{false};
  std::atomic<bool> interrupted_{false};
};

// True when `error` is a server error reply whose text starts with `prefix` ("NOGROUP").
bool IsServerError(const Error& error, std::string_view prefix);

}  // namespace gitops::redis
