#include "node/unlock_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace byok::node {
namespace {

TEST(UnlockLimiterTest, BoundsConcurrency) {
  UnlockLimiter limiter(2);
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto slot = limiter.Acquire(absl::Now() + absl::Seconds(10));
      ASSERT_TRUE(slot.ok());
      int now = ++running;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      absl::SleepFor(absl::Milliseconds(20));
      --running;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(peak.load(), 2);
  EXPECT_EQ(limiter.InUse(), 0);
}

TEST(UnlockLimiterTest, DeadlineGivesUnavailable) {
  UnlockLimiter limiter(1);
  auto held = limiter.Acquire(absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(held.ok());
  auto second = limiter.Acquire(absl::Now() + absl::Milliseconds(30));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace byok::node
