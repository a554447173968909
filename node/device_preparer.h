#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/crypt.h"
#include "node/device_probe.h"
#include "node/unlocker.h"
#include "node/volume_key.h"

namespace byok::node {

// The never-destroy-data rules between a volume's raw device and the device its filesystem
// (or block consumer) uses:
//   envelope: LUKS header with no keyslot + state pending
//                                    -> LUKS2 format again (a crash between the header and its
//                                       keyslot: nothing can have been written through it)
//             LUKS header            -> open it (state pending: a format whose state update was
//                                       lost; record `formatted` after the open, never reformat)
//             blank + state pending  -> LUKS2 format, record `formatted` in Cinder, open
//             blank + state formatted-> FAILED_PRECONDITION (the header is gone: never re-format)
//             anything else          -> FAILED_PRECONDITION, nothing written
//   cinder:   LUKS header            -> open with os-brick's passphrase (hex of the key)
//             no header, front-end encrypted type -> decrypted by the hypervisor: use as is
//             no header otherwise    -> FAILED_PRECONDITION
//   none:     the device as is.
class DevicePreparer {
 public:
  DevicePreparer(Crypt* crypt, DeviceProbe* probe, Unlocker* unlocker)
      : crypt_(crypt), probe_(probe), unlocker_(unlocker) {}

  // Returns the path to put the filesystem on (or publish as a block device).
  absl::StatusOr<std::string> Prepare(const VolumeKey& key, const std::string& device,
                                      absl::Time deadline);

 private:
  absl::StatusOr<std::string> PrepareEnvelope(const VolumeKey& key, const std::string& device,
                                              absl::Time deadline);
  absl::StatusOr<std::string> PrepareCinder(const VolumeKey& key, const std::string& device,
                                            absl::Time deadline);
  absl::StatusOr<std::string> Open(const VolumeKey& key, const std::string& device,
                                   absl::Time deadline);
  absl::StatusOr<std::string> OpenPending(const VolumeKey& key, const std::string& device,
                                          absl::Time deadline);
  // True when `device`'s LUKS header has no keyslot (a format that died half-way).
  absl::StatusOr<bool> UnfinishedFormat(const VolumeKey& key, const std::string& device);
  absl::StatusOr<std::string> Format(const VolumeKey& key, const std::string& device,
                                     absl::Time deadline);
  absl::Status RecordFormatted(const VolumeKey& key, absl::Time deadline);

  Crypt* crypt_;
  DeviceProbe* probe_;
  Unlocker* unlocker_;
};

// Smallest device the driver formats: the LUKS2 header area (16 MiB) plus room for a filesystem.
inline constexpr int64_t kMinFormatBytes = 32 << 20;

}  // namespace byok::node
