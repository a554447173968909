#include "csi/backend_monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace byok::csi {
namespace {

TEST(BackendMonitorTest, ReportsFailureThenRecoveryOncePerChange) {
  std::atomic<int> calls{0};
  absl::Mutex mu;
  std::vector<bool> changes;
  BackendMonitor monitor(
      "keystone",
      [&]() -> absl::Status {
        return ++calls < 3 ? absl::UnavailableError("keystone unreachable") : absl::OkStatus();
      },
      absl::Milliseconds(10), absl::Hours(1),
      [&](bool ok) {
        absl::MutexLock lock(&mu);
        changes.push_back(ok);
      });
  ASSERT_TRUE(monitor.WaitForFirstResult(absl::Seconds(10)));
  // The observer hears of a change just after Current() shows it: wait for both reports.
  auto reported = [&] {
    absl::MutexLock lock(&mu);
    return changes.size() >= 2;
  };
  for (int i = 0; i < 500 && !reported(); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(monitor.Current().ok());
  EXPECT_GE(calls.load(), 3);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(changes, (std::vector<bool>{false, true}));  // two failures, one report
}

TEST(BackendMonitorTest, CurrentDoesNotBlockOnAHangingCheck) {
  std::atomic<bool> release{false};
  auto monitor = std::make_unique<BackendMonitor>(
      "keystone",
      [&]() -> absl::Status {
        while (!release) absl::SleepFor(absl::Milliseconds(5));
        return absl::OkStatus();
      },
      absl::Milliseconds(10), absl::Hours(1));
  absl::Time start = absl::Now();
  EXPECT_FALSE(monitor->Current().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  release = true;
  monitor.reset();
}

}  // namespace
}  // namespace byok::csi
