#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include "absl/status/status.h"
#include "csi/csi.pb.h"

namespace byok::controller {

// Cinder volumes attach to one server at a time, as a block device that carries either a
// filesystem (ext4, xfs) or raw blocks. OK when every capability is something this driver
// serves; otherwise InvalidArgument saying which capability and why.
absl::Status CheckCapability(const ::csi::v1::VolumeCapability& capability);
absl::Status CheckCapabilities(
    const google::protobuf::RepeatedPtrField<::csi::v1::VolumeCapability>& capabilities);

}  // namespace byok::controller
