// PendingOps: the submission-time existence rule for accepted-but-unapplied jobs. It lives
// beside the ResourceIndex (one implementation serves both, over the same lock or the same
// database transaction) because the rule must see existing resources and pending jobs
// atomically.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "index/resource_index.h"

namespace gitops::index {

enum class PendingOp { kCreate, kUpdate, kDelete };

// "create", "update" or "delete" (the op column of pending_ops).
inline std::string_view PendingOpName(PendingOp op) {
  switch (op) {
    case PendingOp::kCreate:
      return "create";
    case PendingOp::kUpdate:
      return "update";
    case PendingOp::kDelete:
      return "delete";
  }
  return "update";
}

class PendingOps {
 public:
  virtual ~PendingOps() = default;

  // Atomically judges `op` on `key` against the resource as it will be once every job
  // reserved before has applied (in reservation order, a create makes it exist, a delete makes
  // it gone, starting from the index), and on success records the reservation for `job_id`:
  //  - create when it will exist: kAlreadyExists (the API's 409);
  //  - update/delete when it will not exist: kNotFound (the API's 404);
  //  - `job_id` already holding a reservation: kFailedPrecondition.
  // So of two concurrent creates of one name exactly one succeeds. Thread-safe.
  virtual Status Reserve(const ResourceKey& key, PendingOp op, std::string_view job_id) = 0;

  // Drops the reservation of `job_id` once its job ended (completed or failed) or its
  // submission was abandoned. The pipeline updates the index first, then releases, so the
  // resource never looks absent in between. Unknown ids are ignored. Thread-safe.
  virtual Status Release(std::string_view job_id) = 0;

  // Release of every id of `job_ids` (one commit in PostgreSQL; the default calls Release for
  // each and reports the first failure).
  virtual Status ReleaseMany(const std::vector<std::string>& job_ids);
};

}  // namespace gitops::index
