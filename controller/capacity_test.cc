#include "controller/capacity.h"

#include <gtest/gtest.h>

namespace byok::controller {
namespace {

::csi::v1::CapacityRange Range(int64_t required, int64_t limit) {
  ::csi::v1::CapacityRange r;
  r.set_required_bytes(required);
  r.set_limit_bytes(limit);
  return r;
}

TEST(CapacityTest, RoundsUpToWholeGiB) {
  EXPECT_EQ(*SizeGiBFor(Range(0, 0)), 1);
  EXPECT_EQ(*SizeGiBFor(Range(1, 0)), 1);
  EXPECT_EQ(*SizeGiBFor(Range(kGiB, 0)), 1);
  EXPECT_EQ(*SizeGiBFor(Range(kGiB + 1, 0)), 2);
  EXPECT_EQ(*SizeGiBFor(Range(0, 5 * kGiB)), 1);
  EXPECT_EQ(*SizeGiBFor(Range(3 * kGiB, 3 * kGiB)), 3);
}

TEST(CapacityTest, ImpossibleRanges) {
  EXPECT_EQ(SizeGiBFor(Range(kGiB + 1, kGiB + 2)).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(SizeGiBFor(Range(0, kGiB / 2)).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(SizeGiBFor(Range(2 * kGiB, kGiB)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SizeGiBFor(Range(-1, 0)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CapacityTest, SizeFits) {
  EXPECT_TRUE(SizeFits(2, Range(kGiB, 2 * kGiB)));
  EXPECT_FALSE(SizeFits(3, Range(kGiB, 2 * kGiB)));
  EXPECT_FALSE(SizeFits(1, Range(2 * kGiB, 0)));
}

}  // namespace
}  // namespace byok::controller
