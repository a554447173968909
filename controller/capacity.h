#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "csi/csi.pb.h"

namespace byok::controller {

inline constexpr int64_t kGiB = int64_t{1} << 30;
inline constexpr int64_t kDefaultVolumeGiB = 1;

// The Cinder size (whole GiB) for a CSI capacity range: required_bytes rounded up, the
// default when neither bound is set. OutOfRange when no whole GiB fits the range.
// Encrypted volumes give the LUKS2 header 16 MiB of this size; the filesystem gets the rest.
absl::StatusOr<int64_t> SizeGiBFor(const ::csi::v1::CapacityRange& range);

// Whether `size_gib` satisfies the range (for idempotent retries and existing volumes).
bool SizeFits(int64_t size_gib, const ::csi::v1::CapacityRange& range);

}  // namespace byok::controller
