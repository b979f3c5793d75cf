// MemoryJobStore: the dev-mode JobStore. Jobs are kept in a compact encoded form (JSON as
// MessagePack bytes, logs in one buffer) so 100k+ jobs stay cheap; Get/List decode on demand.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "jobs/job_store.h"

namespace gitops::jobs {

class MemoryJobStore final : public JobStore {
 public:
  // `clock` must outlive the store. Thread-safe: every method may be called concurrently.
  explicit MemoryJobStore(const Clock& clock);
  ~MemoryJobStore() override;

  Status Create(Job job) override;
  Result<Job> Get(std::string_view job_id) const override;
  Status Update(std::string_view job_id, const JobChange& change) override;
  Result<std::vector<Job>> List(const JobFilter& filter) const override;
  Result<TenantJobStats> TenantStats(std::string_view tenant_id) const override;

  // Number of jobs held.
  size_t size() const;

 private:
  // The identity strings of a job, packed into one allocation (seven std::string members
  // would cost 224 bytes before any character).
  enum Field : uint8_t { kId, kTenant, kCluster, kType, kName, kFlavor, kPartition, kFields };
  struct Stored {
    std::string packed;        // the kFields strings back to back
    uint16_t ends[kFields]{};  // end offset of each in `packed`
    std::vector<uint8_t> spec;      // MessagePack; empty = {}
    std::vector<uint8_t> metadata;  // MessagePack; empty = {}
    std::vector<uint8_t> result;    // MessagePack; empty = null
    std::string logs;               // each line followed by '\0'
    std::unique_ptr<std::string> error;
    int64_t created_us = 0;
    int64_t updated_us = 0;
    JobType job_type = JobType::kResource;
    Operation operation = Operation::kCreate;
    JobStatus status = JobStatus::kSubmitted;

    std::string_view Get(Field f) const {
      uint16_t begin = f == 0 ? 0 : ends[f - 1];
      return std::string_view(packed).substr(begin, ends[f] - begin);
    }
  };
  struct Tenant {
    TenantJobStats stats;
    std::vector<const Stored*> order;  // creation order
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using JobMap =
      std::unordered_map<std::string_view, std::unique_ptr<Stored>, StringHash, std::equal_to<>>;
  using TenantMap = std::unordered_map<std::string, Tenant, StringHash, std::equal_to<>>;

  static Result<Job> Decode(const Stored& s);
  static void CountStatus(TenantJobStats& stats, JobStatus status, int delta);

  const Clock& clock_;
  mutable std::shared_mutex mu_;
  JobMap jobs_;                       // keys view the id inside Stored::packed
  std::vector<const Stored*> order_;  // creation order
  TenantMap tenants_;
};

}  // namespace gitops::jobs
