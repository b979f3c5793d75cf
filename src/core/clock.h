// Clock: the injected source of time. Production uses SystemClock; tests use FakeClock and
// advance it instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace gitops {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  // Wall-clock time (used for timestamps in jobs, commits and payloads). Thread-safe.
  virtual TimePoint Now() const = 0;
  // Monotonic time for deadlines and backoff. Thread-safe.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1'800'000'000)))
      : now_us_(std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch())
                    .count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::microseconds(now_us_.load())); }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(now_us_.load()));
  }
  void Advance(std::chrono::microseconds d) { now_us_ += d.count(); }

 private:
  std::atomic<int64_t> now_us_;
};

// Formats `tp` as ISO 8601 UTC with microseconds and a trailing Z, e.g.
// "2026-11-27T08:39:10.123456Z".
std::string FormatIso8601(Clock::TimePoint tp);

}  // namespace gitops
