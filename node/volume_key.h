#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloud/cloud_access.h"
#include "common/secure_bytes.h"
#include "envelope/descriptor.h"

namespace byok::node {

// Everything NodeStageVolume needs from OpenStack before it touches the disk.
struct VolumeKey {
  std::string volume_id;
  std::string volume_name;          // the Cinder volume's name (the CSI name)
  envelope::Descriptor descriptor;  // from the Cinder volume metadata
  std::string secret_key_id;        // the Barbican key the Secret's keyID names
  // envelope: the unwrapped DEK; cinder: lowercase hex of the tenant key (os-brick's rule);
  // none: empty.
  SecureBytes passphrase;
  cloud::Clients clients;  // the identity the Secret selects
};

// Reads the volume's encryption descriptor from Cinder (the source of truth; volume_context is
// only a hint and is compared for the log), fetches the tenant key named by the Secret's keyID
// from Barbican and, for envelope volumes, unwraps the DEK bound to {volume name, key ID}.
// A key that does not unwrap the DEK is PermissionDenied naming the Secret key and the volume.
absl::StatusOr<VolumeKey> ResolveVolumeKey(cloud::CloudAccess& cloud, const std::string& volume_id,
                                           const std::map<std::string, std::string>& secrets,
                                           const std::map<std::string, std::string>& context,
                                           absl::Time deadline);

}  // namespace byok::node
