#pragma once

// Requests that the controller's tests and benchmarks start from.
#include <string>

#include "csi/csi.pb.h"

namespace byok::controller::testing {

// CreateVolume of a mounted ext4, SINGLE_NODE_WRITER volume whose Secret names `key_id`.
inline ::csi::v1::CreateVolumeRequest MountedVolumeRequest(const std::string& name,
                                                           const std::string& key_id) {
  ::csi::v1::CreateVolumeRequest r;
  r.set_name(name);
  auto* cap = r.add_volume_capabilities();
  cap->mutable_mount()->set_fs_type("ext4");
  cap->mutable_access_mode()->set_mode(::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  if (!key_id.empty()) (*r.mutable_secrets())["keyID"] = key_id;
  return r;
}

}  // namespace byok::controller::testing
