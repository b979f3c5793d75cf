// redis::Pool: connections opened lazily up to a bound, reused LIFO.
#include "redis/pool.h"

namespace gitops::redis {

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
  if (options_.max_connections == 0) options_.max_connections = 1;
}

Pool::Handle::~Handle() {
  if (conn_ && pool_ != nullptr) pool_->Return(std::move(conn_));
}

Result<Pool::Handle> Pool::Acquire() {
  {
    std::unique_lock lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < options_.max_connections; });
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (!conn->ClosedByServer()) return Handle(this, std::move(conn));
      --open_;  // the server went away meanwhile: open a new one instead
    }
    ++open_;  // a slot for the connection opened below, outside the lock
  }
  auto opened = Connection::Open(options_.endpoint, options_.connection);
  if (!opened.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    returned_.notify_one();
    return Unexpected(std::move(opened).error());
  }
  return Handle(this, std::move(*opened));
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  if (conn->Broken()) {
    --open_;
    // A dead server kills every idle connection too: drop them, so the next caller learns of
    // the outage from one prompt connect instead of one failed command per idle connection.
    open_ -= idle_.size();
    idle_.clear();
  } else {
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

Result<Reply> Pool::Command(const std::vector<std::string_view>& args) {
  auto handle = Acquire();
  if (!handle.ok()) return Unexpected(std::move(handle).error());
  return (*handle)->Command(args);
}

Result<Reply> Pool::Eval(const Script& script, const std::vector<std::string_view>& keys,
                         const std::vector<std::string_view>& args) {
  auto handle = Acquire();
  if (!handle.ok()) return Unexpected(std::move(handle).error());
  return (*handle)->Eval(script, keys, args);
}

Status Pool::Ping() {
  auto handle = Acquire();
  if (!handle.ok()) return Unexpected(std::move(handle).error());
  return (*handle)->Ping();
}

}  // namespace gitops::redis
