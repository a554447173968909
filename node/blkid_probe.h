#pragma once

#include "node/device_probe.h"

namespace byok::node {

// DeviceProbe over libblkid (superblocks and partition tables, "safe" probing: conflicting
// signatures are reported, not guessed away) and stat/ioctl for sizes and numbers.
class BlkidProbe : public DeviceProbe {
 public:
  absl::StatusOr<DeviceContent> Probe(const std::string& device) override;
  absl::StatusOr<int64_t> SizeBytes(const std::string& device) override;
  absl::StatusOr<dev_t> DeviceNumber(const std::string& path) override;
};

}  // namespace byok::node
