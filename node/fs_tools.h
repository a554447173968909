#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/exec.h"

namespace byok::node {

inline constexpr char kDefaultFsType[] = "ext4";

// mkfs and online grow for the filesystems the driver supports (ext4, xfs), run through Exec
// with fixed argv. mkfs is never forced (-F/-f): if the device unexpectedly carries a
// filesystem the tool itself refuses, a second line of defence behind the signature probe.
class FsTools {
 public:
  explicit FsTools(Exec* exec) : exec_(exec) {}

  static bool Supported(std::string_view fstype);

  absl::Status Make(const std::string& fstype, const std::string& device, absl::Time deadline);
  // Grows the filesystem on `device`, mounted at `mount_point`, to the device's size.
  absl::Status Grow(const std::string& fstype, const std::string& device,
                    const std::string& mount_point, absl::Time deadline);

 private:
  absl::Status Run(const std::vector<std::string>& argv, absl::Time deadline);
  Exec* exec_;
};

}  // namespace byok::node
