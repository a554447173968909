#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace byok::envelope {

// How a volume is encrypted, recorded as Cinder volume metadata. The Cinder volume is the
// source of truth: the node reads this back from Cinder rather than trusting volume_context,
// and snapshot metadata carries a copy so restores keep the key binding.
enum class Mode {
  kNone,      // plain volume
  kEnvelope,  // LUKS2 keyed by a random DEK, wrapped under the tenant's key (any Cinder)
  kCinder,    // Cinder's own encryption with the tenant's key (byok-for-cinder)
};

// Whether the node has put a LUKS header on the device. `pending` + a blank device is the
// only state in which the node formats; a crash between the format and the update leaves
// `pending` + a LUKS header, which the node opens instead of formatting again.
enum class LuksState { kPending, kFormatted };

struct Descriptor {
  Mode mode = Mode::kNone;
  std::string key_id;                          // Barbican secret UUID of the tenant's key
  std::string wrapped_dek;                     // envelope only: base64 from WrapDek
  LuksState luks_state = LuksState::kPending;  // envelope only
};

inline constexpr int kFormatVersion = 1;
inline constexpr char kMetaFormat[] = "byok.cinder.csi.openstack.org/format";
inline constexpr char kMetaMode[] = "byok.cinder.csi.openstack.org/mode";
inline constexpr char kMetaKeyId[] = "byok.cinder.csi.openstack.org/key-id";
inline constexpr char kMetaWrappedDek[] = "byok.cinder.csi.openstack.org/wrapped-dek";
inline constexpr char kMetaLuks[] = "byok.cinder.csi.openstack.org/luks";
// The CSI name the volume was created for, recorded by the controller at create. It is what
// the wrapped DEK is bound to (WrapContext::volume_name): unlike the Cinder display name,
// nothing renames it.
inline constexpr char kMetaCsiName[] = "byok.cinder.csi.openstack.org/csi-name";

// Key rotation (cloud/rewrap.h): the data key wrapped under the key being rotated to,
// staged next to the current pair until it is verified; the pair is then replaced in one
// metadata update, which also records the key it replaced.
inline constexpr char kMetaNextKeyId[] = "byok.cinder.csi.openstack.org/next-key-id";
inline constexpr char kMetaNextWrappedDek[] = "byok.cinder.csi.openstack.org/next-wrapped-dek";
inline constexpr char kMetaPreviousKeyId[] = "byok.cinder.csi.openstack.org/previous-key-id";

// The name a volume's DEK is bound to: the recorded CSI name, or, for a volume without that
// record, its Cinder display name (which was the CSI name at create).
std::string WrapNameOf(const std::map<std::string, std::string>& metadata,
                       const std::string& display_name);

std::string_view ModeName(Mode mode);
absl::StatusOr<Mode> ParseMode(std::string_view name);
std::string_view LuksStateName(LuksState state);

// The metadata entries for `descriptor` (none for a plain volume).
std::map<std::string, std::string> ToMetadata(const Descriptor& descriptor);
// Reads a descriptor back; a volume without our keys is plain. Inconsistent entries (an
// unknown version or mode, an envelope volume without a wrapped key) are DataLoss: the
// volume claims to be ours but cannot be unlocked as recorded.
absl::StatusOr<Descriptor> FromMetadata(const std::map<std::string, std::string>& metadata);

// True for the canonical 8-4-4-4-12 hex form Barbican uses for secret IDs.
bool IsUuid(std::string_view text);

}  // namespace byok::envelope
