#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "node/filesystem.h"
#include "node/node_deps.h"
#include "node/params.h"

namespace byok::node {

struct VolumeUsage {
  bool block = false;
  bool has_usage = false;
  FilesystemUsage space;  // a block volume: its size in total_bytes, nothing else
  // The VolumeCondition: abnormal when the mount or the dm-crypt mapping (or the disk under
  // it) is gone, or the filesystem answers with I/O errors.
  bool abnormal = false;
  std::string message;
};

// NodeGetVolumeStats: statvfs of a mounted volume, the size of a block volume, and its health.
class StatsReader {
 public:
  explicit StatsReader(const NodeDeps& deps) : deps_(deps) {}
  // NotFound when volume_path does not exist.
  absl::StatusOr<VolumeUsage> Read(const StatsParams& params);

 private:
  void CheckMapping(const std::string& volume_id, VolumeUsage* usage);
  NodeDeps deps_;
};

}  // namespace byok::node
