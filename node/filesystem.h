#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace byok::node {

// What statvfs(3) says about the filesystem holding a path.
struct FilesystemUsage {
  int64_t total_bytes = 0;
  int64_t used_bytes = 0;
  int64_t available_bytes = 0;
  int64_t total_inodes = 0;
  int64_t used_inodes = 0;
  int64_t available_inodes = 0;
};

// The mount points kubelet hands the plugin, and the usage of what is mounted on them. The
// host's implementation is HostFilesystem (node/paths.h).
class Filesystem {
 public:
  virtual ~Filesystem() = default;
  // mkdir -p with mode 0750 for new directories.
  virtual absl::Status EnsureDirectory(const std::string& path) = 0;
  // An empty regular file at `path` (a bind-mount target for a device node), parents
  // included. OK when something that is not a directory is already there.
  virtual absl::Status EnsureFile(const std::string& path) = 0;
  // Removes an (unmounted) mount point: an empty directory or a file. OK when it does not
  // exist; FailedPrecondition when a directory still has content (never removed recursively:
  // it could be a volume that is still mounted somewhere we did not see) or it is busy.
  virtual absl::Status RemoveMountPoint(const std::string& path) = 0;
  // Whether anything (a dangling symlink included) is at `path`.
  virtual bool PathExists(const std::string& path) = 0;
  // Whether `path` is, or links to, a directory.
  virtual bool IsDirectory(const std::string& path) = 0;
  // statvfs of the filesystem holding `path`; the message names the path and the error.
  virtual absl::StatusOr<FilesystemUsage> Usage(const std::string& path) = 0;
};

}  // namespace byok::node
