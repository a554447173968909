#include "node/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "common/strings.h"
#include "node/os_errors.h"

namespace byok::node {

namespace fs = std::filesystem;

absl::Status EnsureDirectory(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return absl::OkStatus();
  fs::create_directories(path, ec);
  if (ec) {
    std::string what = StrCat("cannot create directory ", path);
    if (ec.category() == std::generic_category() || ec.category() == std::system_category()) {
      return ErrnoStatus(ec.value(), what, absl::StatusCode::kInternal, {});
    }
    return absl::InternalError(StrCat(what, ": ", ec.message()));
  }
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, ec);
  return absl::OkStatus();
}

absl::Status EnsureFile(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    if (absl::Status s = EnsureDirectory(parent.string()); !s.ok()) return s;
  }
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) {
    int err = errno;
    // A device already bind-mounted on it opens as that device; EEXIST-like cases are fine.
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return absl::OkStatus();
    return ErrnoStatus(err, StrCat("cannot create file ", path), absl::StatusCode::kInternal, {});
  }
  close(fd);
  return absl::OkStatus();
}

absl::Status RemoveMountPoint(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) return absl::OkStatus();
    return ErrnoStatus(err, StrCat("cannot stat ", path), absl::StatusCode::kInternal, {});
  }
  int rc = S_ISDIR(st.st_mode) ? rmdir(path.c_str()) : unlink(path.c_str());
  int err = rc == 0 ? 0 : errno;
  if (rc == 0 || err == ENOENT) return absl::OkStatus();
  if (err == ENOTEMPTY || err == EEXIST) {
    return absl::FailedPreconditionError(
        StrCat(path, " is not mounted but not empty; left in place"));
  }
  if (err == EBUSY) return absl::FailedPreconditionError(StrCat(path, " is still mounted"));
  return ErrnoStatus(err, StrCat("cannot remove ", path), absl::StatusCode::kInternal, {});
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

absl::StatusOr<FilesystemUsage> FilesystemUsageOf(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) {
    int err = errno;
    return ErrnoStatus(err, StrCat("statvfs of ", path));
  }
  const int64_t frsize = static_cast<int64_t>(st.f_frsize);
  FilesystemUsage usage;
  usage.total_bytes = static_cast<int64_t>(st.f_blocks) * frsize;
  usage.available_bytes = static_cast<int64_t>(st.f_bavail) * frsize;
  usage.used_bytes = static_cast<int64_t>(st.f_blocks - st.f_bfree) * frsize;
  usage.total_inodes = static_cast<int64_t>(st.f_files);
  usage.available_inodes = static_cast<int64_t>(st.f_ffree);
  usage.used_inodes = static_cast<int64_t>(st.f_files - st.f_ffree);
  return usage;
}

absl::Status HostFilesystem::EnsureDirectory(const std::string& path) {
  return node::EnsureDirectory(path);
}
absl::Status HostFilesystem::EnsureFile(const std::string& path) { return node::EnsureFile(path); }
absl::Status HostFilesystem::RemoveMountPoint(const std::string& path) {
  return node::RemoveMountPoint(path);
}
bool HostFilesystem::PathExists(const std::string& path) { return node::PathExists(path); }
bool HostFilesystem::IsDirectory(const std::string& path) { return node::IsDirectory(path); }
absl::StatusOr<FilesystemUsage> HostFilesystem::Usage(const std::string& path) {
  return FilesystemUsageOf(path);
}

}  // namespace byok::node
