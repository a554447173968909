#include "node/blkid_probe.h"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "common/strings.h"
#include "node/os_errors.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

struct ProbeDeleter {
  void operator()(blkid_probe p) const { blkid_free_probe(p); }
};
using ProbePtr = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

std::string Value(blkid_probe probe, const char* name) {
  const char* data = nullptr;
  size_t len = 0;
  if (blkid_probe_lookup_value(probe, name, &data, &len) != 0 || data == nullptr) return "";
  std::string value(data, len);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

// Opening `device` failed with `err`: NotFound when it is gone, else Unavailable (retry).
absl::Status OpenError(int err, const std::string& device, std::string_view what) {
  absl::Status status =
      ErrnoStatus(err, what, absl::StatusCode::kUnavailable, {absl::StatusCode::kNotFound});
  if (err == ENOENT) return openstack::WithMessage(status, StrCat(device, " does not exist"));
  return status;
}

}  // namespace

absl::StatusOr<DeviceContent> BlkidProbe::Probe(const std::string& device) {
  errno = 0;
  ProbePtr probe(blkid_new_probe_from_filename(device.c_str()));
  if (!probe) {
    int err = errno;
    if (err == 0) {
      return absl::UnavailableError(
          StrCat("cannot open ", device, " to read its signatures: libblkid error"));
    }
    return OpenError(err, device, StrCat("cannot open ", device, " to read its signatures"));
  }
  blkid_probe p = probe.get();
  blkid_probe_enable_superblocks(p, 1);
  blkid_probe_set_superblocks_flags(
      p, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_VERSION | BLKID_SUBLKS_BADCSUM);
  blkid_probe_enable_partitions(p, 1);
  blkid_probe_set_partitions_flags(p, BLKID_PARTS_MAGIC);
  int rc = blkid_do_safeprobe(p);
  DeviceContent content;
  if (rc == 1) return content;  // nothing found
  if (rc == -2) {
    content.kind = ContentKind::kOther;
    content.type = "ambivalent (several conflicting)";
    return content;
  }
  if (rc < 0) {
    // An I/O error must never read as "blank": the caller could format.
    return absl::UnavailableError(StrCat("cannot read the signatures of ", device,
                                         " (libblkid probe failed); refusing to guess"));
  }
  std::string type = Value(p, "TYPE");
  std::string usage = Value(p, "USAGE");
  std::string pttype = Value(p, "PTTYPE");
  if (type == "crypto_LUKS") {
    content.kind = ContentKind::kLuks;
    std::string version = Value(p, "VERSION");
    content.type = version.empty() ? type : StrCat(type, " version ", version);
  } else if (!type.empty() && usage == "filesystem") {
    content.kind = ContentKind::kFilesystem;
    content.type = type;
  } else if (!pttype.empty() && type.empty()) {
    content.kind = ContentKind::kPartitionTable;
    content.type = pttype;
  } else {
    content.kind = ContentKind::kOther;
    content.type = !type.empty() ? type : pttype;
  }
  return content;
}

absl::StatusOr<int64_t> BlkidProbe::SizeBytes(const std::string& device) {
  int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return OpenError(err, device, StrCat("cannot open ", device));
  }
  struct stat st;
  int64_t size = -1;
  if (fstat(fd, &st) == 0) {
    if (S_ISBLK(st.st_mode)) {
      uint64_t bytes = 0;
      if (ioctl(fd, BLKGETSIZE64, &bytes) == 0) size = static_cast<int64_t>(bytes);
    } else if (S_ISREG(st.st_mode)) {
      size = st.st_size;
    }
  }
  close(fd);
  if (size < 0) return absl::UnavailableError(StrCat("cannot read the size of ", device));
  return size;
}

absl::StatusOr<dev_t> BlkidProbe::DeviceNumber(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return ErrnoStatus(errno, path, absl::StatusCode::kNotFound, {});
  }
  if (!S_ISBLK(st.st_mode)) return absl::NotFoundError(StrCat(path, " is not a block device"));
  return st.st_rdev;
}

absl::StatusOr<std::string> FindFilesystemLabel(std::string_view label) {
  blkid_cache cache = nullptr;
  // "/dev/null": never read or write a cache file.
  if (blkid_get_cache(&cache, "/dev/null") != 0) {
    return absl::InternalError("cannot create a libblkid cache");
  }
  std::string tag = StrCat("LABEL=", label);
  char* found = blkid_evaluate_tag(tag.c_str(), nullptr, &cache);
  blkid_put_cache(cache);
  if (found == nullptr) {
    return absl::NotFoundError(StrCat("no filesystem labelled ", label, " on this node"));
  }
  std::string device = found;
  free(found);
  return device;
}

}  // namespace byok::node
