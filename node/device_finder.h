#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace byok::node {

// Finds the block device of an attached Cinder volume from its ID. Nova's `device` field is
// never used (it is a guess); the disk is found by its serial, which Nova sets to the volume ID.
class DeviceFinder {
 public:
  virtual ~DeviceFinder() = default;
  // The canonical device path (e.g. /dev/vdb), waiting and rescanning until `deadline`.
  // NotFound when no disk with the volume's serial appeared in time.
  virtual absl::StatusOr<std::string> Find(const std::string& volume_id, absl::Time deadline) = 0;
  // Asks the kernel to re-read the capacity of `device` (after the volume was extended).
  virtual absl::Status RescanCapacity(const std::string& device) = 0;
};

}  // namespace byok::node
