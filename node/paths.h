#pragma once

#include <string>

#include "absl/status/status.h"

// Creating and removing the mount points kubelet hands the plugin.
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

}  // namespace byok::node
