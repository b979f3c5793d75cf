// Submitter: what the API does with an accepted request: reserve the resource (PendingOps) for
// a write and store the job, both or neither. The generic one calls PendingOps then JobStore
// (dev mode); PostgresJobStore groups both steps of many concurrent submissions into one
// transaction. Every implementation passes tests/contract/job_store_contract.h's Submitter
// tests.
#pragma once

#include <optional>

#include "core/result.h"
#include "index/pending_ops.h"
#include "jobs/job.h"
#include "jobs/job_store.h"

namespace gitops::jobs {

// The reservation a job's operation needs: create/update/delete reserve, reads and lists not.
std::optional<index::PendingOp> ReservationFor(Operation operation);

class Submitter {
 public:
  virtual ~Submitter() = default;

  // Reserves the job's resource (type, tenant, cluster, name) for its operation with the rules
  // of PendingOps::Reserve, then stores the job as JobStore::Create does; on any error neither
  // is left behind. Errors: the reservation's kAlreadyExists (409), kNotFound (404) and
  // kFailedPrecondition; kInvalidArgument for an empty job id or resource key; kInternal when
  // the job id is already taken; kUnavailable when the backend is down. Once it returns OK the
  // job and its reservation are durable. Thread-safe.
  virtual Status Submit(Job job) = 0;
};

// Reserve, then Create (Release when Create fails): the in-memory store's way.
class SeparateSubmitter final : public Submitter {
 public:
  // Both must outlive the submitter.
  SeparateSubmitter(JobStore& store, index::PendingOps& pending)
      : store_(store), pending_(pending) {}
  Status Submit(Job job) override;

 private:
  JobStore& store_;
  index::PendingOps& pending_;
};

}  // namespace gitops::jobs
