// pg::Pool: bounded connection pool with on-demand connects and broken-session replacement.
#include "pg/pool.h"

#include <utility>

namespace gitops::pg {

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_));
}

Pool::Pool(PoolOptions options)
    : options_(std::move(options)), target_(DescribeTarget(options_.conninfo)) {}

Pool::~Pool() = default;

size_t Pool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

Result<PooledConnection> Pool::Acquire() {
  std::vector<std::unique_ptr<Connection>> dead;  // closed after the lock is released
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      // Broken() only polls the socket (no round trip), so it is cheap under the lock.
      if (!conn->Broken()) return PooledConnection(this, std::move(conn));
      --open_;  // a session the server closed (restart, shutdown): replace it below
      dead.push_back(std::move(conn));
    }
    if (open_ < std::max<size_t>(options_.max_connections, 1)) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      return Unexpected(ErrorCode::kUnavailable,
                        "no free PostgreSQL connection to " + target_ + " within " +
                            std::to_string(options_.acquire_timeout.count()) + " ms");
    }
  }
  ++open_;
  lock.unlock();
  auto conn = Connection::Open(options_.conninfo);
  if (!conn.ok()) {
    lock.lock();
    --open_;
    returned_.notify_one();
    return Unexpected(std::move(conn).error());
  }
  return PooledConnection(this, std::move(*conn));
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  // A session left inside a transaction (a caller bug or a failed ROLLBACK) or known dead is
  // closed rather than lent again.
  bool keep = !conn->Broken() && !conn->InTransaction();
  std::lock_guard lock(mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // `conn` is closed on return, outside the lock
  }
  returned_.notify_one();
}

Result<Rows> Pool::Exec(std::string_view sql, const Params& params) {
  auto conn = Acquire();
  if (!conn.ok()) return Unexpected(std::move(conn).error());
  return (*conn)->Exec(sql, params);
}

}  // namespace gitops::pg
