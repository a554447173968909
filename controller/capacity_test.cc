#include "controller/capacity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "common/strings.h"

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
  EXPECT_EQ(SizeGiBFor(Range(2 * kGiB, kGiB)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SizeGiBFor(Range(-1, 0)).status().code(), absl::StatusCode::kInvalidArgument);
}

// Found by review: (required + kGiB - 1) / kGiB overflowed int64 for required_bytes near
// INT64_MAX and answered a negative size. Such sizes are refused as OUT_OF_RANGE, naming the
// field and the value, and nothing that Cinder can hold is refused.
TEST(CapacityTest, HugeRequiredBytesAreOutOfRangeWithoutOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int64_t required : {kMax, kMax - 1, kMax - kGiB + 2, kMax - kGiB + 1, kMax / 2,
                           (kMaxVolumeGiB + 1) * kGiB, kMaxVolumeGiB * kGiB + 1}) {
    SCOPED_TRACE(required);
    for (int64_t limit : {int64_t{0}, kMax}) {
      absl::StatusOr<int64_t> gib = SizeGiBFor(Range(required, limit));
      ASSERT_FALSE(gib.ok()) << *gib;
      EXPECT_EQ(gib.status().code(), absl::StatusCode::kOutOfRange);
      EXPECT_THAT(std::string(gib.status().message()),
                  ::testing::HasSubstr(StrCat("required_bytes ", required)));
    }
  }
  EXPECT_EQ(*SizeGiBFor(Range(kMaxVolumeGiB * kGiB, 0)), kMaxVolumeGiB);
  EXPECT_EQ(*SizeGiBFor(Range(kMaxVolumeGiB * kGiB - 1, kMax)), kMaxVolumeGiB);
  // A huge limit alone is satisfiable: it only bounds the size from above.
  EXPECT_EQ(*SizeGiBFor(Range(0, kMax)), kDefaultVolumeGiB);
  EXPECT_EQ(*SizeGiBFor(Range(kGiB + 1, kMax)), 2);
}

TEST(CapacityTest, SizeFits) {
  EXPECT_TRUE(SizeFits(2, Range(kGiB, 2 * kGiB)));
  EXPECT_FALSE(SizeFits(3, Range(kGiB, 2 * kGiB)));
  EXPECT_FALSE(SizeFits(1, Range(2 * kGiB, 0)));
  EXPECT_TRUE(SizeFits(2, Range(kGiB + 1, 0)));
  EXPECT_FALSE(SizeFits(1, Range(kGiB + 1, 0)));
  EXPECT_TRUE(SizeFits(2, Range(0, 2 * kGiB + 1)));
  EXPECT_FALSE(SizeFits(2, Range(0, 2 * kGiB - 1)));
}

// A size from a Cinder response may be anything: size_gib * kGiB used to overflow.
TEST(CapacityTest, SizeFitsHostileSizesWithoutOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(SizeFits(kMax, Range(0, 5 * kGiB)));
  EXPECT_FALSE(SizeFits(kMax / 2, Range(kGiB, kMax)));
  EXPECT_TRUE(SizeFits(kMax, Range(kMax, 0)));
  EXPECT_TRUE(SizeFits(kMax / kGiB, Range(0, kMax)));
  EXPECT_FALSE(SizeFits(kMax / kGiB + 1, Range(0, kMax)));
  EXPECT_FALSE(SizeFits(-1, Range(0, 0)));
  EXPECT_FALSE(SizeFits(std::numeric_limits<int64_t>::min(), Range(0, kGiB)));
}

TEST(CapacityTest, BytesOfGiBSaturates) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(BytesOfGiB(3), 3 * kGiB);
  EXPECT_EQ(BytesOfGiB(kMax / kGiB), kMax / kGiB * kGiB);
  EXPECT_EQ(BytesOfGiB(kMax / kGiB + 1), kMax);
  EXPECT_EQ(BytesOfGiB(kMax), kMax);
  EXPECT_EQ(BytesOfGiB(-5), 0);
}

}  // namespace
}  // namespace byok::controller
