#include "csi/deadline.h"

#include <gtest/gtest.h>

namespace byok::csi {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::chrono::system_clock::time_point In(absl::Duration d) { return absl::ToChronoTime(kNow + d); }

TEST(RpcDeadlineTest, NoDeadlineFromTheCallerIsTheFallback) {
  EXPECT_EQ(RpcDeadline(std::chrono::system_clock::time_point::max(), absl::Seconds(90), kNow),
            kNow + absl::Seconds(90));
  EXPECT_EQ(RpcDeadline(In(absl::Hours(24 * 400)), absl::Seconds(90), kNow),
            kNow + absl::Seconds(90));
  EXPECT_GT(RpcDeadline(nullptr, absl::Seconds(90)), absl::Now());
}

TEST(RpcDeadlineTest, EndsATenthOfTheTimeLeftAndAtMostASecondEarly) {
  EXPECT_EQ(RpcDeadline(In(absl::Seconds(5)), absl::Seconds(90), kNow),
            kNow + absl::Milliseconds(4500));
  EXPECT_EQ(RpcDeadline(In(absl::Seconds(120)), absl::Seconds(90), kNow),
            kNow + absl::Seconds(119));
}

TEST(RpcDeadlineTest, AHugeDeadlineIsCappedAtAnHour) {
  EXPECT_EQ(RpcDeadline(In(absl::Hours(30)), absl::Seconds(90), kNow), kNow + absl::Hours(1));
}

}  // namespace
}  // namespace byok::csi
