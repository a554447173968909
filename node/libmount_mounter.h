#pragma once

#include "node/mounter.h"

namespace byok::node {

// Mounter over libmount: option strings are parsed into mount(2) flags and filesystem data by
// libmount, which then calls mount(2) itself. No mount(8), no /sbin/mount.<type> helpers, no
// fstab, no mtab. Mount state comes from /proc/self/mountinfo.
class LibmountMounter : public Mounter {
 public:
  absl::Status Mount(const std::string& source, const std::string& target,
                     const std::string& fstype, const std::vector<std::string>& options) override;
  absl::Status BindMount(const std::string& source, const std::string& target, bool readonly,
                         const std::vector<std::string>& options) override;
  absl::Status Unmount(const std::string& target) override;
  absl::StatusOr<std::optional<MountPoint>> GetMount(const std::string& target) override;
};

}  // namespace byok::node
