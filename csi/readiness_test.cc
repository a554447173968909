#include "csi/readiness.h"

#include <gtest/gtest.h>

#include <atomic>

namespace byok::csi {
namespace {

TEST(ReadinessTest, WithoutCheckAlwaysReady) {
  Readiness readiness;
  EXPECT_TRUE(readiness.Current().ok());
}

TEST(ReadinessTest, ReportsFailureThenRecovers) {
  std::atomic<int> calls{0};
  Readiness readiness(
      [&]() -> absl::Status {
        return ++calls < 3 ? absl::UnavailableError("keystone unreachable") : absl::OkStatus();
      },
      absl::Milliseconds(10), absl::Hours(1));
  ASSERT_TRUE(readiness.WaitForFirstResult(absl::Seconds(10)));
  for (int i = 0; i < 500 && !readiness.Current().ok(); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(readiness.Current().ok());
  EXPECT_GE(calls.load(), 3);
}

TEST(ReadinessTest, CurrentDoesNotBlockOnAHangingCheck) {
  std::atomic<bool> release{false};
  auto readiness = std::make_unique<Readiness>(
      [&]() -> absl::Status {
        while (!release) absl::SleepFor(absl::Milliseconds(5));
        return absl::OkStatus();
      },
      absl::Milliseconds(10), absl::Hours(1));
  absl::Time start = absl::Now();
  EXPECT_FALSE(readiness->Current().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  release = true;
  readiness.reset();
}

}  // namespace
}  // namespace byok::csi
