#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "envelope/descriptor.h"

namespace byok::controller {

// StorageClass parameters this driver understands.
inline constexpr char kParamType[] = "type";
inline constexpr char kParamAvailability[] = "availability";
inline constexpr char kParamEncryption[] = "encryption";
// Added by external-provisioner with --extra-create-metadata.
inline constexpr char kParamPvcName[] = "csi.storage.k8s.io/pvc/name";
inline constexpr char kParamPvcNamespace[] = "csi.storage.k8s.io/pvc/namespace";
inline constexpr char kParamPvName[] = "csi.storage.k8s.io/pv/name";
// The one VolumeAttributesClass (mutable) parameter: a label whose change asks for the
// volume's key to be rotated to the one the Secret names (ControllerModifyVolume).
inline constexpr char kParamKeyRotation[] = "keyRotation";
inline constexpr size_t kMaxKeyRotationLabel = 63;

// What a CreateVolume asks for, from its parameters and the key its Secret names
// (cloud::RequestSecret::key_id), validated before anything is created.
struct VolumeSpec {
  std::string volume_type;   // empty: Cinder's default type
  std::string availability;  // empty: from topology, else Cinder's default
  envelope::Mode mode = envelope::Mode::kNone;
  std::string key_id;  // the Barbican UUID the Secret's keyID names; empty for plain volumes
  std::string pvc_name, pvc_namespace, pv_name;
};

// Unknown parameters are InvalidArgument naming the parameter (keys under
// csi.storage.k8s.io/ are the sidecars' and accepted). The encryption mode defaults to
// envelope when the Secret names a key and to none otherwise; a mode that needs a key
// without one, or encryption=none with a key, is InvalidArgument.
absl::StatusOr<VolumeSpec> ParseVolumeSpec(const std::map<std::string, std::string>& parameters,
                                           const std::string& key_id);

// Mutable parameters (CreateVolume's and ControllerModifyVolume's, from a
// VolumeAttributesClass): keyRotation with a label of 1 to 63 characters, and the sidecars'
// csi.storage.k8s.io/ keys. Anything else is InvalidArgument naming it.
absl::Status CheckMutableParameters(const std::map<std::string, std::string>& parameters);

}  // namespace byok::controller
