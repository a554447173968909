#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloud/request_secret.h"
#include "common/secure_bytes.h"
#include "openstack/barbican.h"
#include "openstack/cinder.h"
#include "openstack/nova.h"

namespace byok::cloud {

// The OpenStack clients one CSI call works with. When the call's Secret carries a tenant's
// application credential, every client acts as that tenant: their key is read with their own
// rights and their volumes live in their project. Otherwise the driver's own identity from
// cloud.conf is used.
struct Clients {
  std::shared_ptr<openstack::CinderClient> cinder;
  std::shared_ptr<openstack::BarbicanClient> barbican;
  std::shared_ptr<openstack::NovaClient> nova;
  // For messages: "the driver's identity (user csi@Default project demo)" or
  // "tenant credentials (appcred 1234...)". Never contains a secret.
  std::string identity;
  bool tenant = false;
  // The Keystone project the clients act in (from the token): volumes they create live there,
  // and it is what a call is checked against before it touches a volume (CheckOwner in
  // cloud/volume_handle.h).
  std::string project_id;
};

class CloudAccess {
 public:
  virtual ~CloudAccess() = default;
  // Clients for the identity `secret` selects (see Clients), authenticated (the project is
  // known). InvalidArgument names the Secret key that is wrong or not allowed.
  virtual absl::StatusOr<Clients> ForSecret(const RequestSecret& secret, absl::Time deadline) = 0;
  // The driver's own identity.
  absl::StatusOr<Clients> ForDriver(absl::Time deadline) {
    return ForSecret(RequestSecret{}, deadline);
  }
  // Whether the driver's own identity can authenticate now (for Probe readiness).
  virtual absl::Status CheckDriverIdentity(absl::Time deadline) = 0;
};

// Fetches the tenant's key (`key_id`: a Barbican secret UUID, as RequestSecret::key_id) and
// checks it is usable as a volume key: symmetric, AES, 256 bits, application/octet-stream
// payload of 32 bytes. Errors are written for the tenant:
//   404 -> InvalidArgument "Barbican key <id> does not exist (or has expired)"
//   403 -> PermissionDenied "<identity> may not read Barbican key <id>; grant it a read ACL"
//   wrong type/size/content type -> InvalidArgument saying what was found.
// `secret_name` (namespace/name of the Kubernetes Secret, may be empty) is used in messages.
absl::StatusOr<SecureBytes> FetchTenantKey(const Clients& clients, const std::string& key_id,
                                           absl::Time deadline);

// The same checks for the key an existing volume or snapshot is bound to (`bound` names it:
// "volume <id>"). A key that is gone is revocation, not a typo: FailedPrecondition naming the
// key, the Secret key and `bound`; other failures keep their code, prefixed with `bound`.
absl::StatusOr<SecureBytes> FetchBoundKey(const Clients& clients, const std::string& key_id,
                                          const std::string& bound, absl::Time deadline);

}  // namespace byok::cloud
