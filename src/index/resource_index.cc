// ResourceIndex and PendingOps: the default batch calls, one Upsert/Remove/Release at a time.
#include "index/resource_index.h"

#include "index/pending_ops.h"

namespace gitops::index {

Status ResourceIndex::ApplyMany(const std::vector<IndexWrite>& writes) {
  for (const IndexWrite& w : writes) {
    const ResourceKey key = w.record.Key();
    if (key.resource_type.empty() || key.tenant_id.empty() || key.name.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument, "a resource needs a type, a tenant and a name",
                        "name");
    }
  }
  for (const IndexWrite& w : writes) {
    if (w.remove) {
      Status removed = Remove(w.record.Key());
      if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) return removed;
    } else {
      GITOPS_RETURN_IF_ERROR(Upsert(w.record));
    }
  }
  return OkStatus();
}

Status PendingOps::ReleaseMany(const std::vector<std::string>& job_ids) {
  Status first = OkStatus();
  for (const std::string& id : job_ids) {
    Status released = Release(id);
    if (!released.ok() && first.ok()) first = released;
  }
  return first;
}

}  // namespace gitops::index
