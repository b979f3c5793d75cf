#include "core/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace gitops {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Unexpected(ErrorCode::kInvalidArgument, "odd", "x");
  return x / 2;
}

Status Chain(int x) {
  GITOPS_RETURN_IF_ERROR(Half(x));
  return OkStatus();
}

TEST(ResultTest, CarriesValue) {
  auto r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
}

TEST(ResultTest, CarriesErrorWithCodeMessageDetails) {
  auto r = Half(3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_EQ(r.error().details, "x");
}

TEST(ResultTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(Chain(2).ok());
  auto s = Chain(1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "odd");
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  auto p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, CodeNames) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "not_found");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAlreadyExists), "already_exists");
}

}  // namespace
}  // namespace gitops
