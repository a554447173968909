#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
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

// The device carrying the filesystem label `label` (ConfigDriveMetadata's lookup): libblkid
// probes the devices in /proc/partitions (no udev needed). NotFound when none does.
absl::StatusOr<std::string> FindFilesystemLabel(std::string_view label);

}  // namespace byok::node
