#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace byok::csi {

// The socket path of a CSI endpoint. kubelet and the sidecars pass `unix:///path`; charts
// often use `unix:/path`; a bare absolute path is accepted too.
absl::StatusOr<std::string> UnixSocketPath(std::string_view endpoint);

// Prepares `path` for listening: creates the parent directory and removes a stale socket
// left by a previous run that crashed. Refuses to remove anything that is not a socket, or
// a socket another process still serves.
absl::Status PrepareSocketPath(const std::string& path);

}  // namespace byok::csi
