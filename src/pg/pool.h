// pg::Pool: a bounded, thread-safe set of pg::Connection to one database. Connections are made
// on demand, checked for a server-side close before reuse, and replaced after a failure; while
// the server is down every Acquire fails at once with kUnavailable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace gitops::pg {

struct PoolOptions {
  std::string conninfo;        // libpq conninfo or URL (may hold a password: never logged)
  size_t max_connections = 8;  // upper bound on open sessions
  // How long Acquire waits for a busy pool before kUnavailable (the server being down does
  // not wait: a failed connect fails the call at once).
  std::chrono::milliseconds acquire_timeout{5000};
};

class Pool;

// A connection lent by the pool; gives it back when destroyed (dropped if it broke).
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();

  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }

 private:
  friend class Pool;
  PooledConnection(Pool* pool, std::unique_ptr<Connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle healthy connection, else a new one while below max_connections, else waits for
  // one to be returned (up to acquire_timeout). kUnavailable (naming host:port/db, never the
  // password) when the server cannot be reached or the wait timed out; kInvalidArgument for a
  // malformed conninfo. Thread-safe; no lock is held while connecting or querying.
  Result<PooledConnection> Acquire();

  // Acquires a connection and runs one statement on it (see Connection::Exec).
  Result<Rows> Exec(std::string_view sql, const Params& params = {});

  // "host:port/dbname" of the pool's database.
  const std::string& target() const { return target_; }
  // Sessions open now (idle + lent), for tests and metrics.
  size_t open_connections() const;

 private:
  friend class PooledConnection;
  void Return(std::unique_ptr<Connection> conn);

  const PoolOptions options_;
  const std::string target_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;  // idle + lent + being opened
};

}  // namespace gitops::pg
