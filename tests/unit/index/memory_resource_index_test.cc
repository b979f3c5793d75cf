// MemoryResourceIndex specifics; the shared behaviour is in
// tests/contract/resource_index_contract.h.
#include "index/memory/memory_resource_index.h"

#include <gtest/gtest.h>

namespace gitops::index {
namespace {

ResourceRecord Record(std::string name) {
  ResourceRecord r;
  r.resource_type = "vm";
  r.tenant_id = "tenant1";
  r.name = std::move(name);
  return r;
}

TEST(MemoryResourceIndexTest, SizeAndPendingTrackRecordsAndReservations) {
  MemoryResourceIndex index;
  ASSERT_TRUE(index.Upsert(Record("a")).ok());
  ASSERT_TRUE(index.Upsert(Record("a")).ok());
  ASSERT_TRUE(index.Upsert(Record("b")).ok());
  EXPECT_EQ(index.size(), 2u);
  ASSERT_TRUE(index.Reserve(Record("c").Key(), PendingOp::kCreate, "j1").ok());
  ASSERT_TRUE(index.Reserve(Record("a").Key(), PendingOp::kUpdate, "j2").ok());
  EXPECT_EQ(index.pending(), 2u);
  ASSERT_TRUE(index.Release("j1").ok());
  ASSERT_TRUE(index.Release("j2").ok());
  EXPECT_EQ(index.pending(), 0u);
}

TEST(MemoryResourceIndexTest, KeyPartWithTheSeparatorIsInvalidArgument) {
  MemoryResourceIndex index;
  auto status = index.Upsert(Record(std::string("a\x1f") + "b"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().details, "name");
}

TEST(MemoryResourceIndexTest, TenantPrefixDoesNotMatchALongerTenant) {
  MemoryResourceIndex index;
  ResourceRecord other = Record("x");
  other.tenant_id = "tenant10";
  ASSERT_TRUE(index.Upsert(other).ok());
  ASSERT_TRUE(index.Upsert(Record("y")).ok());
  auto listed = index.List("vm", std::string("tenant1"), std::nullopt);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "y");
}

}  // namespace
}  // namespace gitops::index
