#pragma once

#include <string>
#include <vector>

#include "node/exec.h"

namespace byok::node {

// Exec through posix_spawn: the program is looked up in a fixed search path (never the
// caller's PATH), gets exactly the environment below, stdin from /dev/null and one pipe for
// stdout and stderr. A process still running at the deadline is killed.
class ProcessExec : public Exec {
 public:
  struct Options {
    std::vector<std::string> search_path = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
    std::vector<std::string> environment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
    size_t max_output_bytes = 64 << 10;
  };
  ProcessExec() : ProcessExec(Options()) {}
  explicit ProcessExec(Options options) : options_(std::move(options)) {}

  absl::StatusOr<ExecResult> Run(const std::vector<std::string>& argv,
                                 absl::Time deadline) override;

 private:
  absl::StatusOr<std::string> Resolve(const std::string& program) const;
  Options options_;
};

}  // namespace byok::node
