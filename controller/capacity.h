#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "csi/csi.pb.h"

namespace byok::controller {

inline constexpr int64_t kGiB = int64_t{1} << 30;
inline constexpr int64_t kDefaultVolumeGiB = 1;
// The largest size Cinder accepts (cinder/api/validation/parameter_types.py: volume_size's
// maximum is DB_MAX_INT, 0x7FFFFFFF GiB). A larger request can never be satisfied, and
// refusing it here keeps every GiB <-> bytes conversion far from int64 overflow.
inline constexpr int64_t kMaxVolumeGiB = 0x7FFFFFFF;

// The Cinder size (whole GiB) for a CSI capacity range: required_bytes rounded up, the
// default when neither bound is set. OutOfRange when no whole GiB fits the range, or when
// required_bytes is more than Cinder can hold (kMaxVolumeGiB).
// Encrypted volumes give the LUKS2 header 16 MiB of this size; the filesystem gets the rest.
absl::StatusOr<int64_t> SizeGiBFor(const ::csi::v1::CapacityRange& range);

// Whether `size_gib` satisfies the range (for idempotent retries and existing volumes).
// `size_gib` comes from a Cinder response, so any value (negative, INT64_MAX) is handled
// without overflow; a negative size fits no range.
bool SizeFits(int64_t size_gib, const ::csi::v1::CapacityRange& range);

// size_gib * kGiB for CSI's *_bytes fields, saturated to [0, INT64_MAX]: a size from a
// Cinder response may be anything, and the multiplication must not overflow.
int64_t BytesOfGiB(int64_t size_gib);

}  // namespace byok::controller
