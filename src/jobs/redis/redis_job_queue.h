// RedisJobQueue: the production JobQueue, on Redis Streams with a consumer group, shared by
// any number of processes (serve replicas enqueue, worker processes lease).
//
// Keys (P = key_prefix, default "gitops:"):
//   P q:<partition>      a stream per partition, consumer group `group`; entry {j: job id}
//   P ready              list of free partitions with work, round-robin order (RPUSH/LPOP)
//   P ready:set          the same partitions as a set (membership: never listed twice)
//   P lease              hash partition -> lease token of the worker holding it
//   P lease:deadline     zset partition -> expiry (Redis server time, ms)
//   P wake               list of wake-up tokens for workers blocked in Lease (BLPOP)
// A partition is idle (no work), ready (listed) or leased (in `lease`), never two at once.
// Every state change is one Lua script (atomic on the server), so processes need no other
// coordination:
//   Enqueue  XADD (creating the stream and group if missing); if the partition is neither
//            leased nor listed, list it and push a wake token. Concurrent Enqueue calls are
//            grouped (group_enqueue): one caller runs the script for every call queued behind
//            it (one round trip for all, up to max_enqueue_batch), the others wait for it;
//            each returns only once Redis ran its XADD.
//   Lease    first requeue partitions whose lease expired (a dead worker), then LPOP a ready
//            partition, claim its pending entries (XAUTOCLAIM min-idle 0: the lease proves the
//            previous holder is gone or gave them back) and top up with new ones (XREADGROUP
//            >), so re-deliveries come first and everything is in enqueue (stream id) order.
//   Continue if the token still holds the lease and the stream has entries beyond the batch's
//            first `acked`: XACK + XDEL those, push the lease deadline forward and claim/read
//            the next batch as Lease does (the partition stays with its holder, unlisted).
//   Complete if the token still holds the lease: XACK + XDEL the first `acked` pending entries
//            (the batch is always the head of the group's pending list), drop the lease, list
//            the partition again if its stream is not empty (deleting an empty stream).
// A blocked Lease waits on BLPOP `wake` on a dedicated connection (reply timeout longer than
// the BLPOP), in slices of at most `poll_interval` so expired leases are found even when
// nothing is enqueued; Close() interrupts those connections, so blocked callers return at once.
//
// Leases: a leased partition's deadline is pushed forward every `renew_interval` by a
// background thread for as long as this queue holds it, so a batch may take longer than
// lease_ttl. A process that dies stops renewing: after lease_ttl its partition is listed
// again and the next Lease (of any process) gets the same jobs first, in order. A live but
// hung process keeps its leases; the fencing lease of the Git writer guards correctness there.
// Destroying the queue without Complete abandons its leases like a crash would.
//
// Redis holds no state that cannot be rebuilt from PostgreSQL: a job is in the store before it
// is enqueued, and a job whose entry is lost (Redis down at Enqueue, restarted without
// persistence, a lease completed late) is enqueued again by the sweeper. Duplicate entries are
// fine, by design: delivery is at-least-once, the pipeline skips jobs that are already
// terminal and checks the repository's Job-Id trailers, so no EnqueueIfAbsent is offered.
// Redis down: every call fails with kUnavailable within connect_timeout/command_timeout and
// the next call reconnects. Needs a single Redis (not Cluster: the scripts touch keys they
// compute). RESP2 only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobs/job_queue.h"

namespace gitops::redis {
class Connection;
class Pool;
}  // namespace gitops::redis

namespace gitops::jobs {

struct RedisJobQueueOptions {
  std::string url = "redis://127.0.0.1:6379/0";  // redis://[[user]:password@]host[:port][/db]
  std::string key_prefix = "gitops:";
  std::string group = "workers";
  std::string consumer;  // consumer name in the group; default host-pid-random
  // A lease not renewed for this long is taken to be a dead worker's.
  std::chrono::milliseconds lease_ttl{30000};
  // How often held leases are renewed; 0 means lease_ttl / 3.
  std::chrono::milliseconds renew_interval{0};
  // Longest single BLPOP of a blocked Lease (then it looks for expired leases again).
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  size_t max_connections = 8;  // for Enqueue/Lease/Complete; blocking waits have their own
  // Group concurrent Enqueue calls into one script run (one round trip) per group.
  bool group_enqueue = true;
  size_t max_enqueue_batch = 256;     // jobs per grouped script run
  size_t max_inflight_enqueues = 2;   // grouped runs in flight at once (a connection each)
};

class RedisJobQueue final : public JobQueue {
 public:
  // Validates the options (kInvalidArgument for a bad URL or empty prefix/group) and starts
  // the renewal thread. Does not connect: call Ping() to check Redis is there.
  static Result<std::unique_ptr<RedisJobQueue>> Create(RedisJobQueueOptions options);

  // Stops the renewal thread and closes the connections; leases still held are abandoned
  // (they expire after lease_ttl), as if the process had died.
  ~RedisJobQueue() override;
  RedisJobQueue(const RedisJobQueue&) = delete;
  RedisJobQueue& operator=(const RedisJobQueue&) = delete;

  Status Enqueue(std::string_view partition, std::string_view job_id) override;
  // One script run (one round trip) per max_enqueue_batch jobs; not grouped with other calls.
  Status EnqueueMany(const std::vector<std::pair<std::string, std::string>>& jobs) override;
  Result<std::optional<Batch>> Lease(size_t max_batch, std::chrono::milliseconds wait) override;
  Status Complete(const Batch& batch, size_t acked) override;
  // One script: when the stream holds entries beyond the `acked` ones, acks them, extends the
  // lease and claims/reads the next batch as Lease does; else changes nothing.
  Result<std::optional<Batch>> Continue(const Batch& batch, size_t acked,
                                        size_t max_batch) override;
  void Close() override;

  // Readiness probe: PING. kUnavailable naming host:port/db when Redis cannot be reached.
  Status Ping();

  // Leases this queue holds now (for tests and metrics).
  size_t held_leases() const;

 private:
  explicit RedisJobQueue(RedisJobQueueOptions options, std::unique_ptr<redis::Pool> pool);
  std::string Key(std::string_view suffix) const {
    return options_.key_prefix + std::string(suffix);
  }
  Result<std::optional<Batch>> TryLease(size_t max_batch);
  // One Enqueue call waiting in (or leading) an enqueue group.
  struct PendingEnqueue;
  Status EnqueueGrouped(PendingEnqueue& me);
  // Runs the enqueue script once for every entry of `group`, setting each one's status.
  void EnqueueGroup(const std::vector<PendingEnqueue*>& group);
  // One run of the grouped enqueue script over (partition, job id) pairs.
  Status RunEnqueueScript(const std::vector<std::string_view>& pairs);
  // Blocks on the wake list for up to `slice`; kAborted once closed.
  Status WaitForWork(std::chrono::milliseconds slice);
  void RenewLoop();

  const RedisJobQueueOptions options_;
  std::unique_ptr<redis::Pool> pool_;
  std::atomic<bool> closed_{false};

  mutable std::mutex mu_;
  std::condition_variable renew_cv_;
  bool stopping_ = false;
  std::map<std::string, uint64_t> held_;  // partition -> token, renewed by renew_thread_
  std::vector<std::unique_ptr<redis::Connection>> idle_blocking_;
  std::set<redis::Connection*> waiting_;  // blocking connections in use, interrupted by Close
  std::thread renew_thread_;

  std::mutex enqueue_mu_;
  std::deque<PendingEnqueue*> enqueue_queue_;  // calls waiting for a group
  size_t enqueue_leaders_ = 0;                 // grouped script runs in flight
};

}  // namespace gitops::jobs
