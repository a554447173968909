#pragma once

#include <string>
#include <vector>

#include "node/device_finder.h"

namespace byok::node {

// Finds a Cinder volume's disk without udev:
//   1. /dev/disk/by-id/virtio-<first 20 chars of the ID> (virtio-blk keeps 20 bytes of the
//      serial), virtio-<ID>, scsi-0QEMU_QEMU_HARDDISK_<20 chars>, scsi-0QEMU_QEMU_HARDDISK_<ID>;
//   2. a scan of /sys/block/*/serial (virtio-blk) and /sys/block/*/device/vpd_pg80 (SCSI unit
//      serial number page), for nodes without udev or with stale links;
// and between tries asks every SCSI host to rescan, until the deadline.
class SysfsDeviceFinder : public DeviceFinder {
 public:
  struct Options {
    std::string dev_dir = "/dev";
    std::string sys_dir = "/sys";
    absl::Duration poll_interval = absl::Milliseconds(500);
    // Unit tests run against a directory tree of plain files.
    bool require_block_device = true;
  };
  SysfsDeviceFinder() : SysfsDeviceFinder(Options()) {}
  explicit SysfsDeviceFinder(Options options) : options_(std::move(options)) {}

  absl::StatusOr<std::string> Find(const std::string& volume_id, absl::Time deadline) override;
  absl::Status RescanCapacity(const std::string& device) override;

  // The by-id link names tried for `volume_id`, in order.
  static std::vector<std::string> CandidateLinks(const std::string& volume_id);

 private:
  // One pass over links and sysfs; "" when not found.
  std::string FindOnce(const std::string& volume_id) const;
  std::string ScanSysfs(const std::string& volume_id) const;
  bool Usable(const std::string& path) const;
  void RescanScsiHosts() const;

  Options options_;
};

}  // namespace byok::node
