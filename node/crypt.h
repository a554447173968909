#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"

namespace byok::node {

// A dm-crypt mapping as the kernel has it.
struct MappingStatus {
  bool active = false;
  // The canonical path of the device under the mapping; "" when that device is gone (a stale
  // mapping, e.g. after the disk was detached).
  std::string backing_device;
  bool busy = false;  // held open (mounted, bind-mounted, opened by a process)
  int64_t size_bytes = 0;
};

// LUKS through libcryptsetup. Passphrases only ever come from SecureBytes; the implementation
// passes them to the library in memory.
class Crypt {
 public:
  virtual ~Crypt() = default;

  // Writes a new LUKS2 header with the driver's pinned parameters (aes-xts-plain64, 512-bit
  // volume key, 4096-byte sectors, pbkdf2-sha256 with a fixed iteration count) and one keyslot
  // for `passphrase`. Destroys whatever `device` holds: the caller decides when that is safe.
  // The header is written before the keyslot is added: a crash in between leaves a header
  // without keyslots.
  virtual absl::Status FormatLuks2(const std::string& device, const SecureBytes& passphrase,
                                   const std::string& label) = 0;
  // How many keyslots of `device`'s LUKS header hold a key (active or unbound). 0 means no
  // passphrase can open it. FailedPrecondition when `device` has no LUKS header.
  virtual absl::StatusOr<int> CountKeyslots(const std::string& device) = 0;
  // OK when a keyslot of `device`'s header opens with `passphrase`; PermissionDenied if none.
  // Costs one PBKDF run; activates nothing.
  virtual absl::Status VerifyPassphrase(const std::string& device,
                                        const SecureBytes& passphrase) = 0;
  // Activates mapping `name` (volume key not kept in the kernel keyring, so a later resize
  // needs no passphrase). PermissionDenied on a wrong passphrase, AlreadyExists when `name`
  // is active.
  virtual absl::Status Activate(const std::string& device, const std::string& name,
                                const SecureBytes& passphrase) = 0;
  // `active` false when there is no such mapping.
  virtual absl::StatusOr<MappingStatus> GetMapping(const std::string& name) = 0;
  // OK when not active; FailedPrecondition when the mapping is in use.
  virtual absl::Status Deactivate(const std::string& name) = 0;
  // Grows the mapping to its device's current size.
  virtual absl::Status Resize(const std::string& name) = 0;
};

}  // namespace byok::node
