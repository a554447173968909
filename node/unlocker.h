#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/secure_bytes.h"
#include "node/crypt.h"
#include "node/unlock_limiter.h"

namespace byok::node {

// Opens a volume's LUKS device as mapping `name`, idempotently:
//   - an active mapping of the same device is reused once the passphrase is verified against
//     the header (so a caller without the key cannot piggyback on an open mapping);
//   - a stale mapping (its device gone, or another device under the volume's name) is closed
//     and opened again; if it is still in use it is left alone and the call fails;
//   - every PBKDF run holds a slot of the node-wide UnlockLimiter.
class Unlocker {
 public:
  Unlocker(Crypt* crypt, UnlockLimiter* limiter) : crypt_(crypt), limiter_(limiter) {}

  // Returns the mapping's device path (/dev/mapper/<name>). PermissionDenied when the
  // passphrase opens no keyslot.
  absl::StatusOr<std::string> Open(const std::string& device, const std::string& name,
                                   const SecureBytes& passphrase, absl::Time deadline);

 private:
  Crypt* crypt_;
  UnlockLimiter* limiter_;
};

}  // namespace byok::node
