#include "controller/capacity.h"

#include <limits>

#include "common/strings.h"

namespace byok::controller {
namespace {

// ceil(bytes / kGiB) for bytes >= 0, without the overflow of (bytes + kGiB - 1) / kGiB when
// bytes is near INT64_MAX.
int64_t CeilGiB(int64_t bytes) { return bytes / kGiB + (bytes % kGiB != 0 ? 1 : 0); }

}  // namespace

absl::StatusOr<int64_t> SizeGiBFor(const ::csi::v1::CapacityRange& range) {
  int64_t required = range.required_bytes();
  int64_t limit = range.limit_bytes();
  if (required < 0 || limit < 0) {
    return absl::InvalidArgumentError("capacity_range bytes must not be negative");
  }
  if (limit > 0 && required > limit) {
    return absl::InvalidArgumentError(
        StrCat("capacity_range required_bytes ", required, " exceeds limit_bytes ", limit));
  }
  int64_t gib = required == 0
                    ? (limit > 0 && limit < kDefaultVolumeGiB * kGiB ? 0 : kDefaultVolumeGiB)
                    : CeilGiB(required);
  if (gib > kMaxVolumeGiB) {
    return absl::OutOfRangeError(StrCat("capacity_range required_bytes ", required,
                                        " is more than the largest Cinder volume (", kMaxVolumeGiB,
                                        " GiB)"));
  }
  // gib <= kMaxVolumeGiB (< 2^31), so gib * kGiB < 2^61 cannot overflow.
  if (gib == 0 || (limit > 0 && gib * kGiB > limit)) {
    return absl::OutOfRangeError(
        StrCat("Cinder allocates whole GiB: no whole number of GiB lies within required_bytes ",
               required, " and limit_bytes ", limit));
  }
  return gib;
}

bool SizeFits(int64_t size_gib, const ::csi::v1::CapacityRange& range) {
  if (size_gib < 0) return false;
  // Compared in GiB: size_gib * kGiB overflows for sizes above 2^33 GiB.
  if (range.required_bytes() > 0 && size_gib < CeilGiB(range.required_bytes())) return false;
  if (range.limit_bytes() > 0 && size_gib > range.limit_bytes() / kGiB) return false;
  return true;
}

int64_t BytesOfGiB(int64_t size_gib) {
  if (size_gib <= 0) return 0;
  if (size_gib > std::numeric_limits<int64_t>::max() / kGiB) {
    return std::numeric_limits<int64_t>::max();
  }
  return size_gib * kGiB;
}

}  // namespace byok::controller
