#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/device_probe.h"
#include "node/filesystem.h"
#include "node/fs_tools.h"
#include "node/mounter.h"
#include "node/params.h"

namespace byok::node {

// Puts a filesystem on `device` only when it carries no signature at all, then mounts it at
// `target`. A filesystem of another type than requested, or anything that is not a filesystem
// (a LUKS header, a partition table), is FAILED_PRECONDITION with the device untouched.
// Idempotent: `device` already mounted at `target` is OK; another device there is
// ALREADY_EXISTS. The mount point is created through `fs`.
absl::Status FormatOnceAndMount(Filesystem& fs, Mounter& mounter, DeviceProbe& probe,
                                FsTools& tools, const std::string& volume_id,
                                const std::string& device, const std::string& target,
                                const VolumeAccess& access, absl::Time deadline);

}  // namespace byok::node
