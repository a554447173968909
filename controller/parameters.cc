#include "controller/parameters.h"

#include "cloud/request_secret.h"
#include "common/strings.h"

namespace byok::controller {

absl::StatusOr<VolumeSpec> ParseVolumeSpec(const std::map<std::string, std::string>& parameters,
                                           const std::string& key_id) {
  VolumeSpec spec;
  std::string encryption;
  for (const auto& [key, value] : parameters) {
    if (key == kParamType) {
      spec.volume_type = value;
    } else if (key == kParamAvailability) {
      spec.availability = value;
    } else if (key == kParamEncryption) {
      encryption = value;
    } else if (key == kParamPvcName) {
      spec.pvc_name = value;
    } else if (key == kParamPvcNamespace) {
      spec.pvc_namespace = value;
    } else if (key == kParamPvName) {
      spec.pv_name = value;
    } else if (!StartsWith(key, "csi.storage.k8s.io/")) {
      return absl::InvalidArgumentError(
          StrCat("StorageClass parameter \"", cloud::Printable(key),
                 "\" is not known to this driver (known: ", kParamType, ", ", kParamAvailability,
                 ", ", kParamEncryption, ")"));
    }
  }
  spec.key_id = key_id;

  if (encryption.empty()) {
    spec.mode = spec.key_id.empty() ? envelope::Mode::kNone : envelope::Mode::kEnvelope;
  } else {
    auto mode = envelope::ParseMode(encryption);
    if (!mode.ok()) {
      return absl::InvalidArgumentError(StrCat("StorageClass parameter ", kParamEncryption, "=",
                                               cloud::Printable(encryption),
                                               ": must be envelope, cinder or none"));
    }
    spec.mode = *mode;
  }
  if (spec.mode == envelope::Mode::kNone && !spec.key_id.empty()) {
    return absl::InvalidArgumentError(
        StrCat("StorageClass says ", kParamEncryption, "=none but the Secret names key \"",
               spec.key_id, "\" (", cloud::kSecretKeyId,
               "); remove one of them so the volume is not silently left unencrypted"));
  }
  if (spec.mode != envelope::Mode::kNone && spec.key_id.empty()) {
    return absl::InvalidArgumentError(
        StrCat(kParamEncryption, "=", envelope::ModeName(spec.mode),
               " needs the key's ID in the "
               "provisioner Secret under \"",
               cloud::kSecretKeyId,
               "\" (is the PVC annotated with byok.cinder.csi.openstack.org/key-secret?)"));
  }
  return spec;
}

absl::Status CheckMutableParameters(const std::map<std::string, std::string>& parameters) {
  for (const auto& [name, value] : parameters) {
    if (StartsWith(name, "csi.storage.k8s.io/")) continue;  // --extra-modify-metadata
    if (name != kParamKeyRotation) {
      return absl::InvalidArgumentError(
          StrCat("mutable parameter \"", cloud::Printable(name), "\" is not supported: a ",
                 "VolumeAttributesClass for this driver may set only ", kParamKeyRotation));
    }
    if (value.empty() || value.size() > kMaxKeyRotationLabel) {
      return absl::InvalidArgumentError(StrCat("mutable parameter ", kParamKeyRotation,
                                               " must be a label of 1 to ", kMaxKeyRotationLabel,
                                               " characters"));
    }
  }
  return absl::OkStatus();
}

}  // namespace byok::controller
