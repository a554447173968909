#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "csi/client.h"

namespace byok::testing {

// Runs the cinder-byok-csi binary (path from $BYOK_PLUGIN_BINARY) as a child process on a
// fresh socket in a private temp directory, the way kubelet's sidecars find it, and captures
// its stderr log into a file for assertions.
class PluginProcess {
 public:
  // Starts with `args` (plus --endpoint) and waits until the socket accepts calls.
  static absl::StatusOr<std::unique_ptr<PluginProcess>> Start(
      std::vector<std::string> args, absl::Duration timeout = absl::Seconds(20));
  ~PluginProcess();

  const csi::Client& client() const { return *client_; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  std::string Log() const;

  // Sends `signal` and waits for the exit status (as from waitpid), or -1 on timeout.
  int StopWith(int signal, absl::Duration timeout = absl::Seconds(40));

 private:
  PluginProcess() = default;
  std::string dir_;
  std::string socket_path_;
  std::string endpoint_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<csi::Client> client_;
};

// Runs the binary with `args` to completion; returns its exit code and output.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult RunPlugin(const std::vector<std::string>& args, absl::Duration timeout);

// The path of the plugin binary under test.
std::string PluginBinary();

// A TCP port on 127.0.0.1 that was free a moment ago (for --metrics-address).
int FreeTcpPort();
// GET http://127.0.0.1:`port``path` (HTTP/1.0): the whole reply, or "" when nothing listens.
std::string HttpGet(int port, const std::string& path);
// Polls the metrics endpoint until it shows `sample` (a whole "name{labels} value" line
// prefix); returns the last scrape.
std::string WaitForMetric(int port, const std::string& sample, absl::Duration timeout);

}  // namespace byok::testing
