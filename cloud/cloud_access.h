#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/secure_bytes.h"
#include "openstack/barbican.h"
#include "openstack/cinder.h"
#include "openstack/nova.h"

namespace byok::cloud {

// The OpenStack clients one CSI call works with. When the call's Secret carries tenant
// credentials (auth-url + application credential, or `cloud` naming a cloud.conf section),
// every client acts as that tenant: their key is read with their own rights and their
// volumes live in their project. Otherwise the driver's own identity from cloud.conf is used.
struct Clients {
  std::shared_ptr<openstack::CinderClient> cinder;
  std::shared_ptr<openstack::BarbicanClient> barbican;
  std::shared_ptr<openstack::NovaClient> nova;
  // For messages: "the driver's identity (user csi@Default project demo)" or
  // "tenant credentials (appcred 1234...)". Never contains a secret.
  std::string identity;
  bool tenant = false;
};

class CloudAccess {
 public:
  virtual ~CloudAccess() = default;
  // Clients for the identity `secrets` selects (see Clients). InvalidArgument names the
  // Secret key that is wrong.
  virtual absl::StatusOr<Clients> ForSecrets(const std::map<std::string, std::string>& secrets) = 0;
  // Whether the driver's own identity can authenticate now (for Probe readiness).
  virtual absl::Status CheckDriverIdentity(absl::Time deadline) = 0;
};

// The tenant key a Secret names: `keyID`, a Barbican secret UUID or href.
inline constexpr char kSecretKeyId[] = "keyID";

// Fetches the tenant's key and checks it is usable as a volume key: symmetric, AES, 256
// bits, application/octet-stream payload of 32 bytes. Errors are written for the tenant:
//   404 -> InvalidArgument "Barbican key <id> does not exist (or has expired)"
//   403 -> PermissionDenied "<identity> may not read Barbican key <id>; grant it a read ACL"
//   wrong type/size/content type -> InvalidArgument saying what was found.
// `secret_name` (namespace/name of the Kubernetes Secret, may be empty) is used in messages.
absl::StatusOr<SecureBytes> FetchTenantKey(const Clients& clients, const std::string& key_ref,
                                           absl::Time deadline);

}  // namespace byok::cloud
