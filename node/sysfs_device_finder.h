#pragma once

#include <set>
#include <string>
#include <vector>

#include "node/device_finder.h"

namespace byok::node {

// Finds a Cinder volume's disk without udev. Each look collects every candidate from
//   1. /dev/disk/by-id/virtio-<first 20 chars of the ID> (virtio-blk keeps 20 bytes of the
//      serial), virtio-<ID>, scsi-0QEMU_QEMU_HARDDISK_<20 chars>, scsi-0QEMU_QEMU_HARDDISK_<ID>;
//   2. a scan of /sys/block/*/serial (virtio-blk) and /sys/block/*/device/vpd_pg80 (SCSI unit
//      serial number page), for nodes without udev;
// A link's target is kept only if the disk behind it reports the volume's serial now (a stale
// link, left by a missed udev event, may point at another volume's disk: it is logged and
// dropped). Candidates are de-duplicated by canonical device path. Exactly one: that is the
// disk. Several: FailedPrecondition at once, naming them all (never a guess: a pending LUKS
// state would format the one picked). None: every SCSI host is asked to rescan and the look
// repeats until the deadline, then NotFound.
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
  // One pass over links and sysfs: the canonical paths of every disk reporting the volume's
  // serial. `stale_logged` holds the stale links already logged by this Find.
  std::set<std::string> FindOnce(const std::string& volume_id,
                                 std::set<std::string>* stale_logged) const;
  void AddLinkHits(const std::string& volume_id, std::set<std::string>* found,
                   std::set<std::string>* stale_logged) const;
  void AddSysfsHits(const std::string& volume_id, std::set<std::string>* found) const;
  // The serial the disk at `device` (/dev/<name>) reports now, from /sys/block/<name>.
  std::string SerialOf(const std::string& device) const;
  bool Usable(const std::string& path) const;
  void RescanScsiHosts() const;

  Options options_;
};

}  // namespace byok::node
