#include "node/unlocker.h"

#include "common/log.h"
#include "common/strings.h"
#include "node/mapping_name.h"

namespace byok::node {

absl::StatusOr<std::string> Unlocker::Open(const std::string& device, const std::string& name,
                                           const SecureBytes& passphrase, absl::Time deadline) {
  absl::StatusOr<UnlockLimiter::Slot> slot = limiter_->Acquire(deadline);
  if (!slot.ok()) return slot.status();
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<MappingStatus> mapping = crypt_->GetMapping(name);
    if (!mapping.ok()) return mapping.status();
    if (mapping->active) {
      if (mapping->backing_device == device) {
        if (absl::Status s = crypt_->VerifyPassphrase(device, passphrase); !s.ok()) return s;
        log::Info("reusing the active mapping", {{"mapping", name}, {"device", device}});
        return MapperPath(name);
      }
      std::string seen = mapping->backing_device.empty() ? "a device that no longer exists"
                                                         : mapping->backing_device;
      if (mapping->busy) {
        return absl::FailedPreconditionError(StrCat(
            "mapping ", name, " is active on ", seen, ", not on the volume's device ", device,
            ", and is still in use; unmount whatever uses it so it can be "
            "replaced"));
      }
      log::Warning("closing a stale mapping",
                   {{"mapping", name}, {"was_on", seen}, {"device", device}});
      if (absl::Status s = crypt_->Deactivate(name); !s.ok()) return s;
    }
    absl::Status s = crypt_->Activate(device, name, passphrase);
    if (s.ok()) {
      log::Info("opened the LUKS device", {{"mapping", name}, {"device", device}});
      return MapperPath(name);
    }
    if (!absl::IsAlreadyExists(s)) return s;
    // Activated by someone else in between: look again.
  }
  return absl::AbortedError(StrCat("mapping ", name, " keeps changing under us; retry"));
}

}  // namespace byok::node
