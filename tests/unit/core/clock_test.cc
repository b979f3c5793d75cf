#include "core/clock.h"

#include <gtest/gtest.h>

namespace gitops {
namespace {

TEST(ClockTest, FormatsIsoWithMicrosecondsAndZ) {
  Clock::TimePoint tp(std::chrono::microseconds(1'700'000'000'123'456LL));
  EXPECT_EQ(FormatIso8601(tp), "2023-11-14T22:13:20.123456Z");
}

TEST(ClockTest, FakeClockMovesOnlyWhenAdvanced) {
  FakeClock clock;
  auto a = clock.Now();
  EXPECT_EQ(clock.Now(), a);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(clock.Now() - a, std::chrono::seconds(2));
}

}  // namespace
}  // namespace gitops
