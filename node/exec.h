#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace byok::node {

struct ExecResult {
  int exit_code = -1;
  // stdout and stderr interleaved, cut to a bounded size.
  std::string output;
};

// Runs a tool (mkfs, resize2fs, xfs_growfs) with a fixed argv: no shell, stdin from
// /dev/null, a fixed environment. Nothing secret is ever passed through it.
class Exec {
 public:
  virtual ~Exec() = default;
  // argv[0] is a program name looked up in the fixed PATH (or an absolute path). A non-zero
  // exit is a result, not an error; errors are failures to start, or the deadline
  // (DeadlineExceeded, the process is killed).
  virtual absl::StatusOr<ExecResult> Run(const std::vector<std::string>& argv,
                                         absl::Time deadline) = 0;
};

}  // namespace byok::node
