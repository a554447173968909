#include "node/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/strings.h"

namespace byok::node {

namespace fs = std::filesystem;

absl::Status EnsureDirectory(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return absl::OkStatus();
  fs::create_directories(path, ec);
  if (ec) return absl::InternalError(StrCat("cannot create directory ", path, ": ", ec.message()));
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
    // A device already bind-mounted on it opens as that device; EEXIST-like cases are fine.
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::InternalError(StrCat("cannot create file ", path, ": ", std::strerror(errno)));
  }
  close(fd);
  return absl::OkStatus();
}

absl::Status RemoveMountPoint(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::InternalError(StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  int rc = S_ISDIR(st.st_mode) ? rmdir(path.c_str()) : unlink(path.c_str());
  if (rc == 0 || errno == ENOENT) return absl::OkStatus();
  if (errno == ENOTEMPTY || errno == EEXIST) {
    return absl::FailedPreconditionError(
        StrCat(path, " is not mounted but not empty; left in place"));
  }
  if (errno == EBUSY) return absl::FailedPreconditionError(StrCat(path, " is still mounted"));
  return absl::InternalError(StrCat("cannot remove ", path, ": ", std::strerror(errno)));
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace byok::node
