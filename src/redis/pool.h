// redis::Pool: a bounded set of redis::Connection to one server, opened on demand and shared
// by threads; broken connections are dropped, so the next use reconnects.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "redis/connection.h"

namespace gitops::redis {

struct PoolOptions {
  Endpoint endpoint;
  ConnectionOptions connection;
  size_t max_connections = 8;
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection taken from the pool, given back when this handle dies (thrown away instead
  // when it is Broken()). The pool must outlive it.
  class Handle {
   public:
    Handle(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Handle(Handle&& other) noexcept = default;
    Handle& operator=(Handle&&) = delete;
    ~Handle();
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // An idle connection, or a new one while fewer than max_connections are open; otherwise
  // waits for one to come back. kUnavailable (at once, no retry loop) when connecting fails.
  // Thread-safe.
  Result<Handle> Acquire();

  // One command on a pooled connection (see Connection::Command). Thread-safe.
  Result<Reply> Command(const std::vector<std::string_view>& args);
  // One script on a pooled connection (see Connection::Eval). Thread-safe.
  Result<Reply> Eval(const Script& script, const std::vector<std::string_view>& keys,
                     const std::vector<std::string_view>& args);
  // PING on a pooled connection: the readiness probe. Thread-safe.
  Status Ping();

  const Endpoint& endpoint() const { return options_.endpoint; }
  const ConnectionOptions& connection_options() const { return options_.connection; }

 private:
  void Return(std::unique_ptr<Connection> conn);

  PoolOptions options_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;  // idle + handed out + being opened
};

}  // namespace gitops::redis
