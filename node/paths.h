#pragma once

#include <string>

#include "absl/status/status.h"
#include "node/filesystem.h"

// The host's mount point operations (POSIX), and HostFilesystem, the production Filesystem
// over them. Node logic reaches them only through NodeDeps::fs; the free functions are for
// HostFilesystem and for tests that check real directories.
namespace byok::node {

// mkdir -p with mode 0750 for new directories.
absl::Status EnsureDirectory(const std::string& path);
// An empty regular file at `path` (a bind-mount target for a device node), parents included.
absl::Status EnsureFile(const std::string& path);
// Removes an (unmounted) mount point: an empty directory or a file. OK when it does not exist;
// FailedPrecondition when a directory still has content (never removed recursively: it could be
// a volume that is still mounted somewhere we did not see).
absl::Status RemoveMountPoint(const std::string& path);
bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);
// statvfs(3) of the filesystem holding `path`.
absl::StatusOr<FilesystemUsage> FilesystemUsageOf(const std::string& path);

class HostFilesystem final : public Filesystem {
 public:
  absl::Status EnsureDirectory(const std::string& path) override;
  absl::Status EnsureFile(const std::string& path) override;
  absl::Status RemoveMountPoint(const std::string& path) override;
  bool PathExists(const std::string& path) override;
  bool IsDirectory(const std::string& path) override;
  absl::StatusOr<FilesystemUsage> Usage(const std::string& path) override;
};

}  // namespace byok::node
