#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/secure_bytes.h"
#include "node/crypt.h"
#include "node/device_finder.h"
#include "node/device_probe.h"
#include "node/exec.h"
#include "node/filesystem.h"
#include "node/mounter.h"

namespace byok::node::testing {

enum class LuksVersion { kLuks1, kLuks2 };

// One simulated node: disks with serials and content, LUKS headers and dm-crypt mappings, a
// mount table and the fs tools, behind the node's seams (finder(), probe(), crypt(), mounter(),
// exec()). The seams share state, so a LUKS format is seen by the next probe, an mkfs on a
// mapping survives a close and reopen, and a mounted mapping is busy. Mount points are real
// paths (tests use a temp dir): Mount checks the target exists as the kernel would, and
// filesystem() creates and removes them on the real filesystem (HostFilesystem).
class FakeHost {
 public:
  struct Disk {
    std::string path;    // /dev/vdX
    std::string serial;  // what the disk reports (first 20 chars of the volume ID)
    int64_t size_bytes = 0;
    dev_t devno = 0;
    bool attached = true;
    DeviceContent content;  // what a probe of the raw disk finds
    // LUKS
    std::optional<LuksVersion> luks;
    SecureBytes passphrase;
    int keyslots = 0;         // 1 once formatted; 0 after a format that died before its keyslot
    int luks_generation = 0;  // bumps on every format: "was it reformatted?"
    DeviceContent inner;      // what a probe of the opened mapping finds
  };

  FakeHost();
  ~FakeHost();

  // A disk for `volume_id` (serial = first 20 chars); returns its path.
  std::string AddDisk(const std::string& volume_id, int64_t size_bytes, DeviceContent content = {});
  // A disk already carrying a LUKS header keyed by `passphrase`, with `inner` inside.
  std::string AddLuksDisk(const std::string& volume_id, int64_t size_bytes, LuksVersion version,
                          const SecureBytes& passphrase, DeviceContent inner = {});
  Disk DiskAt(const std::string& path) const;
  void SetDiskSize(const std::string& path, int64_t size_bytes);
  // The disk disappears (detached): mappings on it become stale.
  void Detach(const std::string& path);
  // A mapping left behind on `device` under `name` (e.g. by a previous plugin instance).
  void AddMapping(const std::string& name, const std::string& device);

  bool MappingActive(const std::string& name) const;
  std::optional<MountPoint> MountAt(const std::string& path) const;
  int formats() const;
  int activations() const;
  int verifications() const;
  int resizes() const;
  // Commands run through exec(), space-joined.
  std::vector<std::string> commands() const;
  // The next call of `op` ("Format", "Activate", "Deactivate", "Mount", "Unmount", "Exec",
  // "Probe", "Find", "Keyslots", "EnsureDirectory", "EnsureFile", "RemoveMountPoint",
  // "Usage") fails with `status`. "AddKeyslot": the next format writes its
  // header but dies before adding the keyslot, returning `status` (a crash mid-format).
  void FailNext(const std::string& op, absl::Status status);

  DeviceFinder& finder();
  DeviceProbe& probe();
  Crypt& crypt();
  Mounter& mounter();
  Exec& exec();
  node::Filesystem& filesystem();

 private:
  class Finder;
  class ProbeImpl;
  class CryptImpl;
  class MounterImpl;
  class ExecImpl;
  class FsImpl;
  struct Mapping {
    std::string device;
    dev_t devno = 0;
  };

  absl::Status Injected(const std::string& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Disk* FindDisk(const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The mapping whose /dev/mapper path is `path`, or null.
  std::pair<std::string, Mapping*> FindMapping(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<dev_t> DevnoOf(const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool DeviceMounted(dev_t devno) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<MountPoint> TopMount(const std::string& path) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Disk> disks_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Mapping> mappings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<MountPoint>> mounts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, dev_t> bound_files_ ABSL_GUARDED_BY(mu_);
  std::multimap<std::string, absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> commands_ ABSL_GUARDED_BY(mu_);
  int formats_ ABSL_GUARDED_BY(mu_) = 0;
  int activations_ ABSL_GUARDED_BY(mu_) = 0;
  int verifications_ ABSL_GUARDED_BY(mu_) = 0;
  int resizes_ ABSL_GUARDED_BY(mu_) = 0;
  int next_dm_minor_ ABSL_GUARDED_BY(mu_) = 0;

  std::unique_ptr<Finder> finder_;
  std::unique_ptr<ProbeImpl> probe_;
  std::unique_ptr<CryptImpl> crypt_;
  std::unique_ptr<MounterImpl> mounter_;
  std::unique_ptr<ExecImpl> exec_;
  std::unique_ptr<FsImpl> fs_;
};

// Content helpers.
DeviceContent Blank();
DeviceContent Filesystem(const std::string& type);
DeviceContent PartitionTable(const std::string& type);

}  // namespace byok::node::testing
