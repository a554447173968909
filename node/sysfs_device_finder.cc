#include "node/sysfs_device_finder.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/log.h"
#include "common/strings.h"

namespace byok::node {
namespace {

namespace fs = std::filesystem;

constexpr size_t kVirtioSerialBytes = 20;

std::string ReadSmallFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string data;
  data.resize(512);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  return data;
}

// The serial a disk reports: virtio-blk's `serial` attribute, or the SCSI unit serial number
// VPD page (4-byte header, then the serial, space-padded).
std::string DiskSerial(const fs::path& block_dir) {
  std::string serial = ReadSmallFile(block_dir / "serial");
  if (serial.empty()) {
    std::string page = ReadSmallFile(block_dir / "device" / "vpd_pg80");
    if (page.size() > 4) serial = page.substr(4);
  }
  while (!serial.empty() &&
         (serial.back() == '\0' || serial.back() == '\n' || serial.back() == ' ')) {
    serial.pop_back();
  }
  return std::string(StripWhitespace(serial));
}

// Nova sets the serial to the volume ID; virtio-blk keeps only its first 20 bytes.
bool SerialMatches(const std::string& serial, const std::string& volume_id) {
  return !serial.empty() &&
         (serial == volume_id || serial == volume_id.substr(0, kVirtioSerialBytes));
}

// Two disks answering to one volume (a double attach, or a clone's serial copied by hand):
// whichever we picked could be the wrong one, and a pending LUKS state would format it.
absl::Status AmbiguousError(const std::string& volume_id, const std::set<std::string>& devices) {
  std::string list;
  for (const std::string& d : devices) StrAppend(&list, list.empty() ? "" : ", ", d);
  return absl::FailedPreconditionError(
      StrCat(devices.size(), " disks report serial ", volume_id.substr(0, kVirtioSerialBytes),
             " for volume ", volume_id, ": ", list, "; refusing to guess; detach the duplicate"));
}

void WriteSysfs(const fs::path& path, std::string_view value) {
  std::ofstream out(path);
  if (out) out << value;
}

}  // namespace

std::vector<std::string> SysfsDeviceFinder::CandidateLinks(const std::string& volume_id) {
  std::string short_id = volume_id.substr(0, kVirtioSerialBytes);
  std::vector<std::string> links = {StrCat("virtio-", short_id)};
  if (short_id != volume_id) links.push_back(StrCat("virtio-", volume_id));
  links.push_back(StrCat("scsi-0QEMU_QEMU_HARDDISK_", short_id));
  if (short_id != volume_id) links.push_back(StrCat("scsi-0QEMU_QEMU_HARDDISK_", volume_id));
  return links;
}

bool SysfsDeviceFinder::Usable(const std::string& path) const {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  return !options_.require_block_device || S_ISBLK(st.st_mode);
}

std::string SysfsDeviceFinder::SerialOf(const std::string& device) const {
  return DiskSerial(fs::path(options_.sys_dir) / "block" / fs::path(device).filename());
}

void SysfsDeviceFinder::AddLinkHits(const std::string& volume_id, std::set<std::string>* found,
                                    std::set<std::string>* stale_logged) const {
  fs::path by_id = fs::path(options_.dev_dir) / "disk" / "by-id";
  for (const std::string& link : CandidateLinks(volume_id)) {
    std::error_code ec;
    fs::path resolved = fs::canonical(by_id / link, ec);
    if (ec || !Usable(resolved.string())) continue;
    // udev names links once, when a disk appears; a missed remove leaves a link that now
    // points at whatever disk took the name. Only the serial the disk reports now counts.
    std::string serial = SerialOf(resolved.string());
    if (SerialMatches(serial, volume_id)) {
      found->insert(resolved.string());
    } else if (stale_logged->insert(link).second) {  // once per Find, not once per poll
      log::Warning("ignoring a stale by-id link: its disk reports another serial",
                   {{"volume", volume_id},
                    {"link", (by_id / link).string()},
                    {"device", resolved.string()},
                    {"serial", serial}});
    }
  }
}

void SysfsDeviceFinder::AddSysfsHits(const std::string& volume_id,
                                     std::set<std::string>* found) const {
  std::error_code ec;
  fs::directory_iterator it(fs::path(options_.sys_dir) / "block", ec);
  if (ec) return;
  for (const fs::directory_entry& entry : it) {
    std::string name = entry.path().filename().string();
    if (StartsWith(name, "dm-") || StartsWith(name, "loop") || StartsWith(name, "ram")) continue;
    if (!SerialMatches(DiskSerial(entry.path()), volume_id)) continue;
    // Canonical, like the link targets, so one disk found both ways counts once.
    fs::path device = fs::canonical(fs::path(options_.dev_dir) / name, ec);
    if (!ec && Usable(device.string())) found->insert(device.string());
  }
}

std::set<std::string> SysfsDeviceFinder::FindOnce(const std::string& volume_id,
                                                  std::set<std::string>* stale_logged) const {
  std::set<std::string> found;
  AddLinkHits(volume_id, &found, stale_logged);
  // Always scan too, even after a link hit: a second disk with the serial may have no link.
  AddSysfsHits(volume_id, &found);
  return found;
}

void SysfsDeviceFinder::RescanScsiHosts() const {
  std::error_code ec;
  fs::directory_iterator it(fs::path(options_.sys_dir) / "class" / "scsi_host", ec);
  if (ec) return;
  for (const fs::directory_entry& host : it) WriteSysfs(host.path() / "scan", "- - -");
}

absl::StatusOr<std::string> SysfsDeviceFinder::Find(const std::string& volume_id,
                                                    absl::Time deadline) {
  if (volume_id.empty() || Contains(volume_id, "/") || StartsWith(volume_id, ".")) {
    return absl::InvalidArgumentError(StrCat("volume ID \"", volume_id, "\" cannot name a disk"));
  }
  std::set<std::string> stale_logged;
  int attempts = 0;
  while (true) {
    ++attempts;
    std::set<std::string> found = FindOnce(volume_id, &stale_logged);
    // Waiting cannot resolve a duplicate, and picking one could format the wrong disk.
    if (found.size() > 1) return AmbiguousError(volume_id, found);
    if (found.size() == 1) {
      const std::string& device = *found.begin();
      if (attempts > 1) {
        log::Info(
            "volume device appeared",
            {{"volume", volume_id}, {"device", device}, {"attempts", std::to_string(attempts)}});
      }
      return device;
    }
    if (absl::Now() + options_.poll_interval > deadline) break;
    RescanScsiHosts();
    std::this_thread::sleep_for(absl::ToChronoMicroseconds(options_.poll_interval));
  }
  return absl::NotFoundError(
      StrCat("no disk with serial ", volume_id.substr(0, kVirtioSerialBytes), " (volume ",
             volume_id, ") on this node after ", attempts,
             " looks (by-id links and /sys/block serials); is the volume attached here?"));
}

absl::Status SysfsDeviceFinder::RescanCapacity(const std::string& device) {
  // virtio-blk announces capacity changes itself; SCSI disks re-read it on request.
  std::string name = fs::path(device).filename().string();
  fs::path rescan = fs::path(options_.sys_dir) / "block" / name / "device" / "rescan";
  std::error_code ec;
  if (fs::exists(rescan, ec)) WriteSysfs(rescan, "1");
  return absl::OkStatus();
}

}  // namespace byok::node
