#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace gitops {
namespace {

TEST(IdsTest, UuidIsVersion4AndCanonical) {
  std::string id = NewUuid();
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
}

TEST(IdsTest, UuidsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(NewUuid());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, RejectsNonUuid) {
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("550e8400-e29b-41d4-a716-44665544000g"));
  EXPECT_TRUE(IsUuid("550e8400-e29b-41d4-a716-446655440000"));
}

}  // namespace
}  // namespace gitops
