#include "controller/capacity.h"

#include "common/strings.h"

namespace byok::controller {

absl::StatusOr<int64_t> SizeGiBFor(const ::csi::v1::CapacityRange& range) {
  int64_t required = range.required_bytes();
  int64_t limit = range.limit_bytes();
  if (required < 0 || limit < 0) {
    return absl::InvalidArgumentError("capacity_range bytes must not be negative");
  }
  if (limit > 0 && required > limit) {
    return absl::InvalidArgumentError(StrCat("capacity_range required_bytes ", required,
                                             " exceeds limit_bytes ", limit));
  }
  int64_t gib = required == 0 ? (limit > 0 && limit < kDefaultVolumeGiB * kGiB ? 0 : kDefaultVolumeGiB)
                              : (required + kGiB - 1) / kGiB;
  if (gib == 0 || (limit > 0 && gib * kGiB > limit)) {
    return absl::OutOfRangeError(
        StrCat("Cinder allocates whole GiB: no whole number of GiB lies within required_bytes ",
               required, " and limit_bytes ", limit));
  }
  return gib;
}

bool SizeFits(int64_t size_gib, const ::csi::v1::CapacityRange& range) {
  int64_t bytes = size_gib * kGiB;
  if (range.required_bytes() > 0 && bytes < range.required_bytes()) return false;
  if (range.limit_bytes() > 0 && bytes > range.limit_bytes()) return false;
  return true;
}

}  // namespace byok::controller
