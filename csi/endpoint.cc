#include "csi/endpoint.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/log.h"
#include "common/strings.h"

namespace byok::csi {

absl::StatusOr<std::string> UnixSocketPath(std::string_view endpoint) {
  std::string_view path = endpoint;
  if (StartsWith(path, "unix://")) {
    path.remove_prefix(7);
  } else if (StartsWith(path, "unix:")) {
    path.remove_prefix(5);
  } else if (Contains(path, "://")) {
    return absl::InvalidArgumentError(
        StrCat("--endpoint ", endpoint, ": only unix sockets are supported (unix:///path)"));
  }
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(
        StrCat("--endpoint ", endpoint, ": the socket path must be absolute"));
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::InvalidArgumentError(StrCat("--endpoint ", endpoint,
                                             ": the socket path is longer than ",
                                             sizeof(sockaddr_un{}.sun_path) - 1, " bytes"));
  }
  return std::string(path);
}

absl::Status PrepareSocketPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) {
    return absl::FailedPreconditionError(
        StrCat("cannot create the directory of socket ", path, ": ", ec.message()));
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return absl::OkStatus();  // Nothing there.
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        StrCat(path, " exists and is not a socket; refusing to replace it"));
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(StrCat("socket(): ", std::strerror(errno)));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  bool served = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  if (served) {
    return absl::FailedPreconditionError(
        StrCat("another process is serving ", path, "; is the plugin already running?"));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::FailedPreconditionError(
        StrCat("cannot remove stale socket ", path, ": ", std::strerror(errno)));
  }
  log::Info("removed stale socket", {{"path", path}});
  return absl::OkStatus();
}

}  // namespace byok::csi
