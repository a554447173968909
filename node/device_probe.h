#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace byok::node {

// What a block device carries, as far as signatures tell.
enum class ContentKind {
  kBlank,           // no known signature at all
  kLuks,            // a LUKS header (any version)
  kFilesystem,      // e.g. ext4, xfs
  kPartitionTable,  // dos, gpt, ...
  kOther,           // swap, LVM, RAID members, or several conflicting signatures
};

struct DeviceContent {
  ContentKind kind = ContentKind::kBlank;
  std::string type;  // libblkid's TYPE or PTTYPE: "crypto_LUKS", "ext4", "gpt", ...
  // For messages: "no signature", "an ext4 filesystem", "a gpt partition table", ...
  std::string Describe() const;
};

// Read-only facts about block devices.
class DeviceProbe {
 public:
  virtual ~DeviceProbe() = default;
  virtual absl::StatusOr<DeviceContent> Probe(const std::string& device) = 0;
  virtual absl::StatusOr<int64_t> SizeBytes(const std::string& device) = 0;
  // The device number `path` refers to: a device node, or a file a device node is bind-mounted
  // on. NotFound when `path` does not exist or is not a block device.
  virtual absl::StatusOr<dev_t> DeviceNumber(const std::string& path) = 0;
};

}  // namespace byok::node
