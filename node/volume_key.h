#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloud/cloud_access.h"
#include "common/secure_bytes.h"
#include "envelope/descriptor.h"
#include "node/params.h"

namespace byok::node {

// Everything NodeStageVolume needs from OpenStack before it touches the disk.
struct VolumeKey {
  std::string volume_id;            // the Cinder ID
  std::string wrap_name;            // what the DEK is bound to (envelope::WrapNameOf)
  envelope::Descriptor descriptor;  // from the Cinder volume metadata
  std::string secret_key_id;        // the Barbican key the Secret's keyID names
  // envelope: the unwrapped DEK; cinder: lowercase hex of the tenant key (os-brick's rule);
  // none: empty.
  SecureBytes passphrase;
  cloud::Clients clients;  // the volume's owner (cloud::OwnerClients)
};

// Reads the volume's encryption descriptor from Cinder as the volume's owner (the source of
// truth; volume_context is only a hint, compared for the log). The owner is
// cloud::OwnerClients': the driver for its own volumes, the tenant of the CSI ID's project,
// whose credential the node-stage Secret must carry. Requires the Secret's keyID to be the key
// the volume is bound to (PermissionDenied otherwise, before any key is fetched); fetches that
// key from Barbican as the Secret's identity and, for envelope volumes, unwraps the DEK bound
// to {recorded CSI name, key ID}.
absl::StatusOr<VolumeKey> ResolveVolumeKey(cloud::CloudAccess& cloud, const StageParams& params,
                                           absl::Time deadline);

}  // namespace byok::node
