#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace byok::node {

// The top-most mount on a path, from /proc/self/mountinfo.
struct MountPoint {
  std::string target;
  std::string source;  // as given to mount(2), e.g. /dev/mapper/byok-<id>
  std::string fstype;
  std::string root;  // the mounted subtree of the filesystem ("/" unless a bind of a subdir)
  dev_t device = 0;  // st_dev of the mounted filesystem (major:minor)
  bool readonly = false;
};

class Mounter {
 public:
  virtual ~Mounter() = default;
  // Mounts `source` (a block device) on `target` with filesystem `fstype` ("" = probe) and
  // `options` (mount(8) style: "ro", "noatime", "nouuid", ...: flags and fs data alike).
  virtual absl::Status Mount(const std::string& source, const std::string& target,
                             const std::string& fstype,
                             const std::vector<std::string>& options) = 0;
  // Bind-mounts `source` (a directory, or a file such as a device node) on `target`, read-only
  // when asked, with the VFS flags among `options` (nosuid, nodev, noexec, noatime, ...).
  virtual absl::Status BindMount(const std::string& source, const std::string& target,
                                 bool readonly, const std::vector<std::string>& options) = 0;
  // Unmounts the top-most mount on `target`; OK when nothing is mounted there.
  virtual absl::Status Unmount(const std::string& target) = 0;
  // The top-most mount whose mount point is exactly `target`, or nullopt.
  virtual absl::StatusOr<std::optional<MountPoint>> GetMount(const std::string& target) = 0;
};

}  // namespace byok::node
