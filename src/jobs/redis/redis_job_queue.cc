// RedisJobQueue: Lua scripts for every state change (see the header for the key layout), a
// connection pool for them, dedicated connections for blocking waits, a lease renewal thread.
#include "jobs/redis/redis_job_queue.h"

#include <unistd.h>

#include <cstdio>
#include <random>

#include "redis/connection.h"
#include "redis/pool.h"

namespace gitops::jobs {
namespace {

constexpr std::string_view kWakeCap = "1024";  // wake tokens kept while nobody waits

// Redis server time in ms, the clock of every lease deadline (one clock for all processes).
constexpr std::string_view kLuaNow = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)lua";

// Lua that acks and deletes the first `acked` pending entries of stream KEYS[1] for consumer
// group ARGV[4] (the jobs of a batch that are done).
constexpr std::string_view kLuaAck = R"lua(
  local pending = redis.call('XPENDING', KEYS[1], ARGV[4], '-', '+', acked)
  local ids = {}
  for i, e in ipairs(pending) do ids[i] = e[1] end
  if #ids > 0 then
    redis.call('XACK', KEYS[1], ARGV[4], unpack(ids))
    redis.call('XDEL', KEYS[1], unpack(ids))
  end
)lua";

// Lua that lists `partition` as ready unless it is listed already, and pushes a wake token
// (up to `cap` of them) for a blocked worker. Arguments are Lua expressions.
std::string LuaList(std::string_view ready, std::string_view set, std::string_view wake,
                    std::string_view partition, std::string_view cap) {
  std::string s;
  s.append("if redis.call('SADD', ").append(set).append(", ").append(partition);
  s.append(") == 1 then\n  redis.call('RPUSH', ").append(ready).append(", ").append(partition);
  s.append(")\n  if redis.call('LLEN', ").append(wake).append(") < tonumber(").append(cap);
  s.append(") then redis.call('RPUSH', ").append(wake).append(", '1') end\nend\n");
  return s;
}

// KEYS: stream, ready, ready:set, lease, wake. ARGV: partition, job id, group, wake cap.
const redis::Script kEnqueue(R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[3], '0', 'MKSTREAM')
end
redis.call('XADD', KEYS[1], '*', 'j', ARGV[2])
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 0 then
)lua" + LuaList("KEYS[2]", "KEYS[3]", "KEYS[5]", "ARGV[1]", "ARGV[4]") +
                             "end\nreturn 1\n");

// The grouped Enqueue: kEnqueue for many jobs in one run. A partition's checks are made once
// per run (the script is atomic: after its first XADD the stream exists, and the partition is
// listed or leased). KEYS: ready, ready:set, lease, wake. ARGV: stream key prefix, group, wake
// cap, then partition, job id pairs.
const redis::Script kEnqueueMany(R"lua(
local seen = {}
for i = 4, #ARGV, 2 do
  local p = ARGV[i]
  local s = ARGV[1] .. p
  if not seen[p] and redis.call('EXISTS', s) == 0 then
    redis.call('XGROUP', 'CREATE', s, ARGV[2], '0', 'MKSTREAM')
  end
  redis.call('XADD', s, '*', 'j', ARGV[i + 1])
  if not seen[p] then
    seen[p] = true
    if redis.call('HEXISTS', KEYS[3], p) == 0 then
)lua" + LuaList("KEYS[1]", "KEYS[2]", "KEYS[4]", "p", "ARGV[3]") +
                                 R"lua(
    end
  end
end
return 1
)lua");

// KEYS: ready, ready:set, lease, lease:deadline, wake. ARGV: stream key prefix, group,
// consumer, token, ttl ms, max batch, wake cap. Returns {partition, {job ids}} or nil.
const redis::Script kLease(std::string(kLuaNow) + R"lua(
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', string.format('%d', now),
                           'LIMIT', 0, 16)
for _, p in ipairs(expired) do
  redis.call('ZREM', KEYS[4], p)
  redis.call('HDEL', KEYS[3], p)
)lua" + LuaList("KEYS[1]", "KEYS[2]", "KEYS[5]", "p", "ARGV[7]") +
                           R"lua(
end
local max = tonumber(ARGV[6])
for _ = 1, 16 do
  local p = redis.call('LPOP', KEYS[1])
  if not p then return false end
  redis.call('SREM', KEYS[2], p)
  local s = ARGV[1] .. p
  local jobs = {}
  if redis.call('EXISTS', s) == 1 then
    local claimed = redis.call('XAUTOCLAIM', s, ARGV[2], ARGV[3], 0, '0-0', 'COUNT', max)
    for _, e in ipairs(claimed[2]) do jobs[#jobs + 1] = e[2][2] end
    if #jobs < max then
      local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', max - #jobs,
                           'STREAMS', s, '>')
      if r then
        for _, e in ipairs(r[1][2]) do jobs[#jobs + 1] = e[2][2] end
      end
    end
    if #jobs == 0 and redis.call('XLEN', s) == 0 then redis.call('DEL', s) end
  end
  if #jobs > 0 then
    redis.call('HSET', KEYS[3], p, ARGV[4])
    redis.call('ZADD', KEYS[4], string.format('%d', now + tonumber(ARGV[5])), p)
    return {p, jobs}
  end
end
return false
)lua");

// KEYS: stream, ready, ready:set, lease, lease:deadline, wake. ARGV: partition, token, acked,
// group, wake cap. Returns 1, or 0 when the token does not hold the lease.
const redis::Script kComplete(R"lua(
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
local acked = tonumber(ARGV[3])
if acked > 0 and redis.call('EXISTS', KEYS[1]) == 1 then
)lua" + std::string(kLuaAck) + R"lua(
end
if redis.call('XLEN', KEYS[1]) > 0 then
)lua" + LuaList("KEYS[2]", "KEYS[3]", "KEYS[6]", "ARGV[1]", "ARGV[5]") +
                              R"lua(
else
  redis.call('DEL', KEYS[1])
end
return 1
)lua");

// KEYS: stream, lease, lease:deadline. ARGV: partition, token, acked, group, consumer, ttl
// ms, max batch. Returns {job ids} of the next batch, {} when there is nothing beyond the
// acked jobs (nothing changed), or 0 when the token does not hold the lease.
const redis::Script kContinue(std::string(kLuaNow) + R"lua(
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
local acked = tonumber(ARGV[3])
if redis.call('XLEN', KEYS[1]) <= acked then return {} end
if acked > 0 then
)lua" + std::string(kLuaAck) + R"lua(
end
local max = tonumber(ARGV[7])
local jobs = {}
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[4], ARGV[5], 0, '0-0', 'COUNT', max)
for _, e in ipairs(claimed[2]) do jobs[#jobs + 1] = e[2][2] end
if #jobs < max then
  local r = redis.call('XREADGROUP', 'GROUP', ARGV[4], ARGV[5], 'COUNT', max - #jobs,
                       'STREAMS', KEYS[1], '>')
  if r then
    for _, e in ipairs(r[1][2]) do jobs[#jobs + 1] = e[2][2] end
  end
end
redis.call('ZADD', KEYS[3], string.format('%d', now + tonumber(ARGV[6])), ARGV[1])
return jobs
)lua");

// KEYS: lease, lease:deadline. ARGV: ttl ms, then partition, token pairs. Returns 1 per pair
// whose lease was renewed, 0 where it is no longer held by that token.
const redis::Script kRenew(std::string(kLuaNow) + R"lua(
local out = {}
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('ZADD', KEYS[2], string.format('%d', now + tonumber(ARGV[1])), ARGV[i])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
)lua");

uint64_t NewToken() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t token = 0;
  while (token == 0) token = rng();
  return token;
}

std::string DefaultConsumer() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "-%d-%08llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(NewToken() & 0xffffffffULL));
  return std::string(host[0] ? host : "worker") + suffix;
}

}  // namespace

Result<std::unique_ptr<RedisJobQueue>> RedisJobQueue::Create(RedisJobQueueOptions options) {
  auto endpoint = redis::ParseUrl(options.url);
  if (!endpoint.ok()) return Unexpected(std::move(endpoint).error());
  if (options.key_prefix.empty() || options.group.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "redis queue: empty key prefix or group");
  }
  if (options.lease_ttl.count() <= 0 || options.poll_interval.count() <= 0) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "redis queue: lease_ttl and poll_interval must be positive");
  }
  if (options.consumer.empty()) options.consumer = DefaultConsumer();
  if (options.renew_interval.count() <= 0) options.renew_interval = options.lease_ttl / 3;
  if (options.renew_interval.count() <= 0) options.renew_interval = std::chrono::milliseconds(1);
  redis::PoolOptions pool_options;
  pool_options.endpoint = *endpoint;
  pool_options.connection.connect_timeout = options.connect_timeout;
  pool_options.connection.command_timeout = options.command_timeout;
  pool_options.max_connections = options.max_connections;
  auto pool = std::make_unique<redis::Pool>(std::move(pool_options));
  return std::unique_ptr<RedisJobQueue>(new RedisJobQueue(std::move(options), std::move(pool)));
}

RedisJobQueue::RedisJobQueue(RedisJobQueueOptions options, std::unique_ptr<redis::Pool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {
  renew_thread_ = std::thread([this] { RenewLoop(); });
}

RedisJobQueue::~RedisJobQueue() {
  Close();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  renew_cv_.notify_all();
  renew_thread_.join();
}

struct RedisJobQueue::PendingEnqueue {
  std::string_view partition;
  std::string_view job_id;
  bool done = false;
  Status status = OkStatus();
  std::condition_variable wake;
};

Status RedisJobQueue::Enqueue(std::string_view partition, std::string_view job_id) {
  if (closed_) return Unexpected(ErrorCode::kUnavailable, "job queue is closed");
  if (options_.group_enqueue) {
    PendingEnqueue me;
    me.partition = partition;
    me.job_id = job_id;
    return EnqueueGrouped(me);
  }
  std::string stream = Key("q:") + std::string(partition);
  std::string ready = Key("ready"), ready_set = Key("ready:set"), lease = Key("lease"),
              wake = Key("wake");
  auto reply = pool_->Eval(kEnqueue, {stream, ready, ready_set, lease, wake},
                           {partition, job_id, options_.group, kWakeCap});
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  return OkStatus();
}

Status RedisJobQueue::EnqueueGrouped(PendingEnqueue& me) {
  const size_t max_leaders = std::max<size_t>(options_.max_inflight_enqueues, 1);
  const size_t max_batch = std::max<size_t>(options_.max_enqueue_batch, 1);
  std::unique_lock lock(enqueue_mu_);
  enqueue_queue_.push_back(&me);
  for (;;) {
    if (me.done) return me.status;
    // Lead a group when a slot is free: this call and every call queued while the previous
    // group was running.
    if (enqueue_leaders_ < max_leaders && !enqueue_queue_.empty()) {
      ++enqueue_leaders_;
      std::vector<PendingEnqueue*> group;
      while (!enqueue_queue_.empty() && group.size() < max_batch) {
        group.push_back(enqueue_queue_.front());
        enqueue_queue_.pop_front();
      }
      lock.unlock();
      EnqueueGroup(group);
      lock.lock();
      for (PendingEnqueue* entry : group) {
        entry->done = true;
        if (entry != &me) entry->wake.notify_one();
      }
      --enqueue_leaders_;
      // Free slots go to the calls at the head of the queue (each leads a group).
      size_t slots = max_leaders - enqueue_leaders_;
      for (size_t i = 0; i < enqueue_queue_.size() && i < slots; ++i) {
        if (enqueue_queue_[i] != &me) enqueue_queue_[i]->wake.notify_one();
      }
      continue;
    }
    me.wake.wait(lock);
  }
}

void RedisJobQueue::EnqueueGroup(const std::vector<PendingEnqueue*>& group) {
  std::vector<std::string_view> pairs;
  pairs.reserve(2 * group.size());
  for (const PendingEnqueue* entry : group) {
    pairs.push_back(entry->partition);
    pairs.push_back(entry->job_id);
  }
  Status status = RunEnqueueScript(pairs);
  for (PendingEnqueue* entry : group) entry->status = status;
}

Status RedisJobQueue::RunEnqueueScript(const std::vector<std::string_view>& pairs) {
  std::string stream_prefix = Key("q:"), ready = Key("ready"), ready_set = Key("ready:set"),
              lease = Key("lease"), wake = Key("wake");
  std::vector<std::string_view> args{stream_prefix, options_.group, kWakeCap};
  args.insert(args.end(), pairs.begin(), pairs.end());
  auto reply = pool_->Eval(kEnqueueMany, {ready, ready_set, lease, wake}, args);
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  return OkStatus();
}

Status RedisJobQueue::EnqueueMany(const std::vector<std::pair<std::string, std::string>>& jobs) {
  if (closed_) return Unexpected(ErrorCode::kUnavailable, "job queue is closed");
  const size_t max_batch = std::max<size_t>(options_.max_enqueue_batch, 1);
  std::vector<std::string_view> pairs;
  for (size_t i = 0; i < jobs.size(); i += max_batch) {
    pairs.clear();
    for (size_t j = i; j < jobs.size() && j < i + max_batch; ++j) {
      pairs.push_back(jobs[j].first);
      pairs.push_back(jobs[j].second);
    }
    GITOPS_RETURN_IF_ERROR(RunEnqueueScript(pairs));
  }
  return OkStatus();
}

Result<std::optional<Batch>> RedisJobQueue::TryLease(size_t max_batch) {
  uint64_t token = NewToken();
  std::string token_text = std::to_string(token), ttl = std::to_string(options_.lease_ttl.count()),
              max = std::to_string(max_batch), stream_prefix = Key("q:");
  std::string ready = Key("ready"), ready_set = Key("ready:set"), lease = Key("lease"),
              deadline = Key("lease:deadline"), wake = Key("wake");
  auto reply = pool_->Eval(
      kLease, {ready, ready_set, lease, deadline, wake},
      {stream_prefix, options_.group, options_.consumer, token_text, ttl, max, kWakeCap});
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  if (reply->IsNil()) return std::optional<Batch>();
  if (reply->kind != redis::Reply::Kind::kArray || reply->elements.size() != 2) {
    return Unexpected(ErrorCode::kInternal, "redis queue: unexpected reply to the lease script");
  }
  Batch batch;
  batch.partition = reply->elements[0].str;
  batch.lease = token;
  for (auto& id : reply->elements[1].elements) batch.job_ids.push_back(std::move(id.str));
  {
    std::lock_guard lock(mu_);
    held_[batch.partition] = token;
  }
  return std::optional<Batch>(std::move(batch));
}

Status RedisJobQueue::WaitForWork(std::chrono::milliseconds slice) {
  std::unique_ptr<redis::Connection> conn;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Unexpected(ErrorCode::kAborted, "job queue is closed");
    while (!conn && !idle_blocking_.empty()) {
      conn = std::move(idle_blocking_.back());
      idle_blocking_.pop_back();
      if (conn->ClosedByServer()) conn.reset();
    }
  }
  if (!conn) {
    auto opened = redis::Connection::Open(pool_->endpoint(), pool_->connection_options());
    if (!opened.ok()) return Unexpected(std::move(opened).error());
    conn = std::move(*opened);
  }
  {
    std::lock_guard lock(mu_);
    if (closed_) return Unexpected(ErrorCode::kAborted, "job queue is closed");
    waiting_.insert(conn.get());  // from here on, Close() interrupts the BLPOP below
  }
  slice = std::max(slice, std::chrono::milliseconds(1));
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(slice.count()) / 1000.0);
  std::string wake = Key("wake");
  auto reply = conn->CommandWithTimeout({"BLPOP", wake, seconds}, slice + options_.command_timeout);
  {
    std::lock_guard lock(mu_);
    waiting_.erase(conn.get());
    if (!conn->Broken() && !closed_) idle_blocking_.push_back(std::move(conn));
  }
  if (closed_) return Unexpected(ErrorCode::kAborted, "job queue is closed");
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  return OkStatus();
}

Result<std::optional<Batch>> RedisJobQueue::Lease(size_t max_batch,
                                                  std::chrono::milliseconds wait) {
  if (max_batch == 0) return Unexpected(ErrorCode::kInvalidArgument, "max_batch must be >= 1");
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (closed_) return Unexpected(ErrorCode::kAborted, "job queue is closed");
    auto leased = TryLease(max_batch);
    if (!leased.ok() || leased->has_value()) return leased;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::optional<Batch>();
    GITOPS_RETURN_IF_ERROR(WaitForWork(std::min(left, options_.poll_interval)));
  }
}

Status RedisJobQueue::Complete(const Batch& batch, size_t acked) {
  acked = std::min(acked, batch.job_ids.size());
  {
    // No more renewals, whatever happens below: if this Complete fails (Redis down), the lease
    // expires and the jobs are delivered again, instead of the partition staying held forever.
    std::lock_guard lock(mu_);
    auto it = held_.find(batch.partition);
    if (it != held_.end() && it->second == batch.lease) held_.erase(it);
  }
  std::string stream = Key("q:") + batch.partition;
  std::string ready = Key("ready"), ready_set = Key("ready:set"), lease = Key("lease"),
              deadline = Key("lease:deadline"), wake = Key("wake");
  std::string token = std::to_string(batch.lease), acked_text = std::to_string(acked);
  auto reply = pool_->Eval(kComplete, {stream, ready, ready_set, lease, deadline, wake},
                           {batch.partition, token, acked_text, options_.group, kWakeCap});
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  if (reply->integer != 1) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "lease " + token + " on partition '" + batch.partition +
                          "' is not held (completed already, or expired)");
  }
  return OkStatus();
}

Result<std::optional<Batch>> RedisJobQueue::Continue(const Batch& batch, size_t acked,
                                                     size_t max_batch) {
  if (max_batch == 0) return Unexpected(ErrorCode::kInvalidArgument, "max_batch must be >= 1");
  if (closed_) return std::optional<Batch>();  // stopping: let the caller complete
  acked = std::min(acked, batch.job_ids.size());
  std::string stream = Key("q:") + batch.partition;
  std::string lease = Key("lease"), deadline = Key("lease:deadline");
  std::string token = std::to_string(batch.lease), acked_text = std::to_string(acked),
              ttl = std::to_string(options_.lease_ttl.count()), max = std::to_string(max_batch);
  auto reply = pool_->Eval(
      kContinue, {stream, lease, deadline},
      {batch.partition, token, acked_text, options_.group, options_.consumer, ttl, max});
  if (!reply.ok()) return Unexpected(std::move(reply).error());
  if (reply->kind != redis::Reply::Kind::kArray) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "lease " + token + " on partition '" + batch.partition +
                          "' is not held (completed already, or expired)");
  }
  if (reply->elements.empty()) return std::optional<Batch>();
  Batch next;
  next.partition = batch.partition;
  next.lease = batch.lease;  // the same lease, still renewed by RenewLoop
  for (auto& id : reply->elements) next.job_ids.push_back(std::move(id.str));
  return std::optional<Batch>(std::move(next));
}

void RedisJobQueue::Close() {
  closed_ = true;
  std::lock_guard lock(mu_);
  for (redis::Connection* conn : waiting_) conn->Interrupt();
  idle_blocking_.clear();
}

Status RedisJobQueue::Ping() { return pool_->Ping(); }

size_t RedisJobQueue::held_leases() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

void RedisJobQueue::RenewLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    renew_cv_.wait_for(lock, options_.renew_interval);
    if (stopping_ || held_.empty()) continue;
    std::vector<std::pair<std::string, uint64_t>> held(held_.begin(), held_.end());
    lock.unlock();
    std::vector<std::string> args{std::to_string(options_.lease_ttl.count())};
    for (const auto& [partition, token] : held) {
      args.push_back(partition);
      args.push_back(std::to_string(token));
    }
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string lease = Key("lease"), deadline = Key("lease:deadline");
    // A failure (Redis down) is retried at the next interval; a lease lost meanwhile shows
    // as kFailedPrecondition at Complete.
    auto reply = pool_->Eval(kRenew, {lease, deadline}, views);
    lock.lock();
    if (!reply.ok() || reply->elements.size() != held.size()) continue;
    for (size_t i = 0; i < held.size(); ++i) {
      if (reply->elements[i].integer != 0) continue;
      auto it = held_.find(held[i].first);
      if (it != held_.end() && it->second == held[i].second) held_.erase(it);
    }
  }
}

}  // namespace gitops::jobs
