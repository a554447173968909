#include "controller/volume_capabilities.h"

#include "common/strings.h"
#include "csi/access_modes.h"

namespace byok::controller {

using ::csi::v1::VolumeCapability;

absl::Status CheckCapability(const VolumeCapability& capability) {
  if (!capability.has_mount() && !capability.has_block()) {
    return absl::InvalidArgumentError("volume capability needs an access type (mount or block)");
  }
  if (capability.has_mount()) {
    const std::string& fs = capability.mount().fs_type();
    if (!fs.empty() && fs != "ext4" && fs != "xfs") {
      return absl::InvalidArgumentError(
          StrCat("filesystem type \"", fs, "\" is not supported (ext4 or xfs)"));
    }
  }
  if (!capability.has_access_mode()) {
    return absl::InvalidArgumentError("volume capability needs an access_mode");
  }
  if (!csi::IsServedAccessMode(capability.access_mode().mode())) {
    return absl::InvalidArgumentError(StrCat(
        "access mode ", VolumeCapability::AccessMode::Mode_Name(capability.access_mode().mode()),
        " is not supported: a Cinder volume is attached to one node at a time "
        "(use ReadWriteOnce or ReadWriteOncePod)"));
  }
  return absl::OkStatus();
}

absl::Status CheckCapabilities(
    const google::protobuf::RepeatedPtrField<VolumeCapability>& capabilities) {
  if (capabilities.empty()) return absl::InvalidArgumentError("volume_capabilities is required");
  for (const VolumeCapability& capability : capabilities) {
    if (absl::Status s = CheckCapability(capability); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace byok::controller
