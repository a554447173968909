#include "node/testing/fake_host.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>

#include "common/strings.h"
#include "node/mapping_name.h"
#include "node/paths.h"

namespace byok::node::testing {
namespace {

constexpr int64_t kLuks2HeaderBytes = 16 << 20;
constexpr int64_t kLuks1HeaderBytes = 2 << 20;

std::string Canonical(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

bool RealPathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

DeviceContent LuksContent(LuksVersion version) {
  return {ContentKind::kLuks,
          version == LuksVersion::kLuks1 ? "crypto_LUKS version 1" : "crypto_LUKS version 2"};
}

}  // namespace

DeviceContent Blank() { return {}; }
DeviceContent Filesystem(const std::string& type) { return {ContentKind::kFilesystem, type}; }
DeviceContent PartitionTable(const std::string& type) {
  return {ContentKind::kPartitionTable, type};
}

// ------------------------------------------------------------------------------- seams
class FakeHost::Finder : public DeviceFinder {
 public:
  explicit Finder(FakeHost* host) : host_(host) {}
  absl::StatusOr<std::string> Find(const std::string& volume_id, absl::Time) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Find"); !s.ok()) return s;
    for (const Disk& d : host_->disks_) {
      if (d.attached && d.serial == volume_id.substr(0, 20)) return d.path;
    }
    return absl::NotFoundError(StrCat("no disk with serial ", volume_id.substr(0, 20)));
  }
  absl::Status RescanCapacity(const std::string&) override { return absl::OkStatus(); }

 private:
  FakeHost* host_;
};

class FakeHost::ProbeImpl : public DeviceProbe {
 public:
  explicit ProbeImpl(FakeHost* host) : host_(host) {}
  absl::StatusOr<DeviceContent> Probe(const std::string& device) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Probe"); !s.ok()) return s;
    if (Disk* d = host_->FindDisk(device); d != nullptr) return d->content;
    auto [name, mapping] = host_->FindMapping(device);
    if (mapping != nullptr) {
      Disk* d = host_->FindDisk(mapping->device);
      if (d == nullptr) return absl::UnavailableError("I/O error: the disk under it is gone");
      return d->inner;
    }
    return absl::NotFoundError(StrCat(device, " does not exist"));
  }
  absl::StatusOr<int64_t> SizeBytes(const std::string& device) override {
    absl::MutexLock lock(&host_->mu_);
    std::string path = device;
    if (auto it = host_->bound_files_.find(Canonical(device)); it != host_->bound_files_.end()) {
      for (const Disk& d : host_->disks_) {
        if (d.devno == it->second) path = d.path;
      }
      for (const auto& [name, m] : host_->mappings_) {
        if (m.devno == it->second) path = MapperPath(name);
      }
    }
    if (Disk* d = host_->FindDisk(path); d != nullptr) return d->size_bytes;
    auto [name, mapping] = host_->FindMapping(path);
    if (mapping != nullptr) {
      Disk* d = host_->FindDisk(mapping->device);
      if (d == nullptr) return absl::UnavailableError("I/O error");
      return d->size_bytes -
             (d->luks == LuksVersion::kLuks1 ? kLuks1HeaderBytes : kLuks2HeaderBytes);
    }
    return absl::NotFoundError(StrCat(device, " does not exist"));
  }
  absl::StatusOr<dev_t> DeviceNumber(const std::string& path) override {
    absl::MutexLock lock(&host_->mu_);
    std::optional<dev_t> devno = host_->DevnoOf(path);
    if (!devno) return absl::NotFoundError(StrCat(path, " is not a block device"));
    return *devno;
  }

 private:
  FakeHost* host_;
};

class FakeHost::CryptImpl : public Crypt {
 public:
  explicit CryptImpl(FakeHost* host) : host_(host) {}
  absl::Status FormatLuks2(const std::string& device, const SecureBytes& passphrase,
                           const std::string&) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Format"); !s.ok()) return s;
    Disk* d = host_->FindDisk(device);
    if (d == nullptr) return absl::NotFoundError(device);
    d->luks = LuksVersion::kLuks2;
    d->content = LuksContent(LuksVersion::kLuks2);
    d->inner = Blank();
    ++d->luks_generation;
    ++host_->formats_;
    if (absl::Status s = host_->Injected("AddKeyslot"); !s.ok()) {
      d->passphrase = SecureBytes();
      d->keyslots = 0;
      return s;
    }
    d->passphrase = passphrase.Clone();
    d->keyslots = 1;
    return absl::OkStatus();
  }
  absl::StatusOr<int> CountKeyslots(const std::string& device) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Keyslots"); !s.ok()) return s;
    Disk* d = host_->FindDisk(device);
    if (d == nullptr) return absl::NotFoundError(device);
    if (!d->luks) return absl::FailedPreconditionError(StrCat(device, " has no LUKS header"));
    return d->keyslots;
  }
  absl::Status VerifyPassphrase(const std::string& device, const SecureBytes& passphrase) override {
    absl::MutexLock lock(&host_->mu_);
    ++host_->verifications_;
    Disk* d = host_->FindDisk(device);
    if (d == nullptr) return absl::NotFoundError(device);
    if (!d->luks) return absl::FailedPreconditionError(StrCat(device, " has no LUKS header"));
    if (d->keyslots == 0) {  // libcryptsetup's -ENOENT
      return absl::NotFoundError(StrCat(device, " has no keyslot: No such file or directory"));
    }
    if (!d->passphrase.ConstantTimeEquals(passphrase)) {
      return absl::PermissionDeniedError(StrCat("no keyslot of ", device, " opens with this key"));
    }
    return absl::OkStatus();
  }
  absl::Status Activate(const std::string& device, const std::string& name,
                        const SecureBytes& passphrase) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Activate"); !s.ok()) return s;
    if (host_->mappings_.count(name)) return absl::AlreadyExistsError(StrCat(name, " is active"));
    Disk* d = host_->FindDisk(device);
    if (d == nullptr) return absl::NotFoundError(device);
    if (!d->luks) return absl::FailedPreconditionError(StrCat(device, " has no LUKS header"));
    if (d->keyslots == 0) {  // libcryptsetup's -ENOENT
      return absl::NotFoundError(StrCat(device, " has no keyslot: No such file or directory"));
    }
    if (!d->passphrase.ConstantTimeEquals(passphrase)) {
      return absl::PermissionDeniedError(StrCat("no keyslot of ", device, " opens with this key"));
    }
    host_->mappings_[name] = {device, makedev(253, host_->next_dm_minor_++)};
    ++host_->activations_;
    return absl::OkStatus();
  }
  absl::StatusOr<MappingStatus> GetMapping(const std::string& name) override {
    absl::MutexLock lock(&host_->mu_);
    MappingStatus status;
    auto it = host_->mappings_.find(name);
    if (it == host_->mappings_.end()) return status;
    status.active = true;
    Disk* d = host_->FindDisk(it->second.device);
    status.backing_device = d != nullptr ? d->path : "";
    status.busy = host_->DeviceMounted(it->second.devno);
    if (d != nullptr) status.size_bytes = d->size_bytes - kLuks2HeaderBytes;
    return status;
  }
  absl::Status Deactivate(const std::string& name) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Deactivate"); !s.ok()) return s;
    auto it = host_->mappings_.find(name);
    if (it == host_->mappings_.end()) return absl::OkStatus();
    if (host_->DeviceMounted(it->second.devno)) {
      return absl::FailedPreconditionError(StrCat("mapping ", name, " is still in use"));
    }
    host_->mappings_.erase(it);
    return absl::OkStatus();
  }
  absl::Status Resize(const std::string& name) override {
    absl::MutexLock lock(&host_->mu_);
    if (!host_->mappings_.count(name)) return absl::NotFoundError(name);
    ++host_->resizes_;
    return absl::OkStatus();
  }

 private:
  FakeHost* host_;
};

class FakeHost::MounterImpl : public Mounter {
 public:
  explicit MounterImpl(FakeHost* host) : host_(host) {}
  absl::Status Mount(const std::string& source, const std::string& target,
                     const std::string& fstype, const std::vector<std::string>& options) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Mount"); !s.ok()) return s;
    if (!RealPathExists(target)) return absl::NotFoundError(StrCat("mount point ", target));
    std::optional<dev_t> devno = host_->DevnoOf(source);
    if (!devno) return absl::NotFoundError(StrCat(source, " is not a block device"));
    MountPoint mp;
    mp.target = Canonical(target);
    mp.source = source;
    mp.fstype = fstype;
    mp.root = "/";
    mp.device = *devno;
    for (const std::string& o : options) {
      if (o == "ro") mp.readonly = true;
    }
    host_->mounts_[mp.target].push_back(mp);
    return absl::OkStatus();
  }
  absl::Status BindMount(const std::string& source, const std::string& target, bool readonly,
                         const std::vector<std::string>&) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Mount"); !s.ok()) return s;
    if (!RealPathExists(target)) return absl::NotFoundError(StrCat("mount point ", target));
    MountPoint mp;
    mp.target = Canonical(target);
    mp.readonly = readonly;
    if (std::optional<MountPoint> src = host_->TopMount(source); src) {
      mp.source = src->source;
      mp.fstype = src->fstype;
      mp.root = src->root;
      mp.device = src->device;
    } else {
      std::optional<dev_t> devno = host_->DevnoOf(source);
      if (!devno) {
        if (!RealPathExists(source)) return absl::NotFoundError(source);
        mp.source = "tmpfs";
        mp.root = Canonical(source);
      } else {
        mp.source = "devtmpfs";
        mp.root = source;
        mp.device = *devno;
      }
    }
    std::optional<dev_t> file_device = host_->DevnoOf(source);
    if (file_device) host_->bound_files_[mp.target] = *file_device;
    host_->mounts_[mp.target].push_back(mp);
    return absl::OkStatus();
  }
  absl::Status Unmount(const std::string& target) override {
    absl::MutexLock lock(&host_->mu_);
    if (absl::Status s = host_->Injected("Unmount"); !s.ok()) return s;
    auto it = host_->mounts_.find(Canonical(target));
    if (it == host_->mounts_.end() || it->second.empty()) return absl::OkStatus();
    it->second.pop_back();
    if (it->second.empty()) {
      host_->mounts_.erase(it);
      host_->bound_files_.erase(Canonical(target));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<MountPoint>> GetMount(const std::string& target) override {
    absl::MutexLock lock(&host_->mu_);
    return host_->TopMount(target);
  }

 private:
  FakeHost* host_;
};

class FakeHost::ExecImpl : public Exec {
 public:
  explicit ExecImpl(FakeHost* host) : host_(host) {}
  absl::StatusOr<ExecResult> Run(const std::vector<std::string>& argv, absl::Time) override {
    absl::MutexLock lock(&host_->mu_);
    std::string line;
    for (const std::string& a : argv) StrAppend(&line, line.empty() ? "" : " ", a);
    host_->commands_.push_back(line);
    if (absl::Status s = host_->Injected("Exec"); !s.ok()) return s;
    const std::string& tool = argv.front();
    const std::string& last = argv.back();
    if (tool == "mkfs.ext4" || tool == "mkfs.xfs") {
      DeviceContent fs = Filesystem(tool == "mkfs.ext4" ? "ext4" : "xfs");
      if (Disk* d = host_->FindDisk(last); d != nullptr) {
        d->content = fs;
      } else if (auto [name, m] = host_->FindMapping(last); m != nullptr) {
        if (Disk* under = host_->FindDisk(m->device); under != nullptr) under->inner = fs;
      } else {
        return ExecResult{1, StrCat(last, ": no such device")};
      }
    }
    return ExecResult{0, ""};
  }

 private:
  FakeHost* host_;
};

// The mount points are real: the host's own implementation, with injected failures.
class FakeHost::FsImpl : public node::Filesystem {
 public:
  explicit FsImpl(FakeHost* host) : host_(host) {}
  absl::Status EnsureDirectory(const std::string& path) override {
    if (absl::Status s = Injected("EnsureDirectory"); !s.ok()) return s;
    return real_.EnsureDirectory(path);
  }
  absl::Status EnsureFile(const std::string& path) override {
    if (absl::Status s = Injected("EnsureFile"); !s.ok()) return s;
    return real_.EnsureFile(path);
  }
  absl::Status RemoveMountPoint(const std::string& path) override {
    if (absl::Status s = Injected("RemoveMountPoint"); !s.ok()) return s;
    return real_.RemoveMountPoint(path);
  }
  bool PathExists(const std::string& path) override { return real_.PathExists(path); }
  bool IsDirectory(const std::string& path) override { return real_.IsDirectory(path); }
  absl::StatusOr<FilesystemUsage> Usage(const std::string& path) override {
    if (absl::Status s = Injected("Usage"); !s.ok()) return s;
    return real_.Usage(path);
  }

 private:
  absl::Status Injected(const std::string& op) {
    absl::MutexLock lock(&host_->mu_);
    return host_->Injected(op);
  }

  FakeHost* host_;
  HostFilesystem real_;
};

// ------------------------------------------------------------------------------- host
FakeHost::FakeHost()
    : finder_(std::make_unique<Finder>(this)),
      probe_(std::make_unique<ProbeImpl>(this)),
      crypt_(std::make_unique<CryptImpl>(this)),
      mounter_(std::make_unique<MounterImpl>(this)),
      exec_(std::make_unique<ExecImpl>(this)),
      fs_(std::make_unique<FsImpl>(this)) {}

FakeHost::~FakeHost() = default;

DeviceFinder& FakeHost::finder() { return *finder_; }
DeviceProbe& FakeHost::probe() { return *probe_; }
Crypt& FakeHost::crypt() { return *crypt_; }
Mounter& FakeHost::mounter() { return *mounter_; }
Exec& FakeHost::exec() { return *exec_; }
node::Filesystem& FakeHost::filesystem() { return *fs_; }

std::string FakeHost::AddDisk(const std::string& volume_id, int64_t size_bytes,
                              DeviceContent content) {
  absl::MutexLock lock(&mu_);
  Disk d;
  d.path = StrCat("/dev/vd", static_cast<char>('b' + disks_.size()));
  d.serial = volume_id.substr(0, 20);
  d.size_bytes = size_bytes;
  d.devno = makedev(254, static_cast<unsigned>(16 * (disks_.size() + 1)));
  d.content = content;
  disks_.push_back(std::move(d));
  return disks_.back().path;
}

std::string FakeHost::AddLuksDisk(const std::string& volume_id, int64_t size_bytes,
                                  LuksVersion version, const SecureBytes& passphrase,
                                  DeviceContent inner) {
  std::string path = AddDisk(volume_id, size_bytes, LuksContent(version));
  absl::MutexLock lock(&mu_);
  Disk* d = FindDisk(path);
  d->luks = version;
  d->passphrase = passphrase.Clone();
  d->keyslots = 1;
  d->inner = inner;
  d->luks_generation = 1;
  return path;
}

FakeHost::Disk FakeHost::DiskAt(const std::string& path) const {
  absl::MutexLock lock(&mu_);
  for (const Disk& d : disks_) {
    if (d.path == path) {
      Disk copy;
      copy.path = d.path;
      copy.serial = d.serial;
      copy.size_bytes = d.size_bytes;
      copy.devno = d.devno;
      copy.attached = d.attached;
      copy.content = d.content;
      copy.luks = d.luks;
      copy.passphrase = d.passphrase.Clone();
      copy.keyslots = d.keyslots;
      copy.luks_generation = d.luks_generation;
      copy.inner = d.inner;
      return copy;
    }
  }
  return Disk();
}

void FakeHost::SetDiskSize(const std::string& path, int64_t size_bytes) {
  absl::MutexLock lock(&mu_);
  if (Disk* d = FindDisk(path); d != nullptr) d->size_bytes = size_bytes;
}

void FakeHost::Detach(const std::string& path) {
  absl::MutexLock lock(&mu_);
  for (Disk& d : disks_) {
    if (d.path == path) d.attached = false;
  }
}

void FakeHost::AddMapping(const std::string& name, const std::string& device) {
  absl::MutexLock lock(&mu_);
  mappings_[name] = {device, makedev(253, next_dm_minor_++)};
}

bool FakeHost::MappingActive(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  return mappings_.count(name) > 0;
}

std::optional<MountPoint> FakeHost::MountAt(const std::string& path) const {
  absl::MutexLock lock(&mu_);
  return TopMount(path);
}

int FakeHost::formats() const {
  absl::MutexLock lock(&mu_);
  return formats_;
}
int FakeHost::activations() const {
  absl::MutexLock lock(&mu_);
  return activations_;
}
int FakeHost::verifications() const {
  absl::MutexLock lock(&mu_);
  return verifications_;
}
int FakeHost::resizes() const {
  absl::MutexLock lock(&mu_);
  return resizes_;
}
std::vector<std::string> FakeHost::commands() const {
  absl::MutexLock lock(&mu_);
  return commands_;
}

void FakeHost::FailNext(const std::string& op, absl::Status status) {
  absl::MutexLock lock(&mu_);
  failures_.emplace(op, std::move(status));
}

absl::Status FakeHost::Injected(const std::string& op) {
  auto it = failures_.find(op);
  if (it == failures_.end()) return absl::OkStatus();
  absl::Status s = it->second;
  failures_.erase(it);
  return s;
}

FakeHost::Disk* FakeHost::FindDisk(const std::string& path) {
  for (Disk& d : disks_) {
    if (d.path == path && d.attached) return &d;
  }
  return nullptr;
}

std::pair<std::string, FakeHost::Mapping*> FakeHost::FindMapping(const std::string& path) {
  for (auto& [name, m] : mappings_) {
    if (MapperPath(name) == path) return {name, &m};
  }
  return {"", nullptr};
}

std::optional<dev_t> FakeHost::DevnoOf(const std::string& path) {
  if (Disk* d = FindDisk(path); d != nullptr) return d->devno;
  if (auto [name, m] = FindMapping(path); m != nullptr) return m->devno;
  auto it = bound_files_.find(Canonical(path));
  if (it != bound_files_.end()) return it->second;
  return std::nullopt;
}

bool FakeHost::DeviceMounted(dev_t devno) const {
  for (const auto& [target, stack] : mounts_) {
    for (const MountPoint& mp : stack) {
      if (mp.device == devno) return true;
    }
  }
  return false;
}

std::optional<MountPoint> FakeHost::TopMount(const std::string& path) const {
  auto it = mounts_.find(Canonical(path));
  if (it == mounts_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

}  // namespace byok::node::testing
