#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cloud/cloud_access.h"
#include "cloud/volume_handle.h"
#include "openstack/call_options.h"

namespace byok::cloud {

// Revocation as far as an identity can tell from Barbican: the problem with the key recorded
// in a volume's (or snapshot's) metadata when Barbican no longer has it (deleted or expired),
// nothing when it exists, the volume is plain, or the key cannot be read (an identity without
// access to a tenant's key learns nothing either way).
std::optional<std::string> GoneKeyProblem(const Clients& clients,
                                          const openstack::CallOptions& call,
                                          const std::map<std::string, std::string>& metadata);

// GoneKeyProblem for volumes staged on this node, for NodeGetVolumeStats, which carries no
// Secret: only the driver's own volumes (a CSI ID without a project) are checked, as the
// driver. Each answer is kept for `ttl`, so kubelet's stats calls cost at most two OpenStack
// calls per volume per `ttl`; a failed check is kept as "no problem known".
class KeyHealthCache {
 public:
  KeyHealthCache(CloudAccess* cloud, absl::Duration ttl) : cloud_(cloud), ttl_(ttl) {}
  std::optional<std::string> Problem(const Handle& volume, absl::Time deadline);

 private:
  std::optional<std::string> Check(const Handle& volume, absl::Time deadline);

  struct Entry {
    absl::Time checked;
    std::optional<std::string> problem;
  };
  CloudAccess* cloud_;
  absl::Duration ttl_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);  // by Cinder ID
};

}  // namespace byok::cloud
