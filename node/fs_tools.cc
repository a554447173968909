#include "node/fs_tools.h"

#include "common/log.h"
#include "common/strings.h"

namespace byok::node {
namespace {

// The last few lines of a tool's output, for error messages.
std::string Tail(std::string_view output) {
  output = StripTrailingWhitespace(output);
  size_t start = output.size() > 600 ? output.size() - 600 : 0;
  std::string tail(output.substr(start));
  for (char& c : tail) {
    if (c == '\n') c = ';';
  }
  return tail;
}

}  // namespace

bool FsTools::Supported(std::string_view fstype) { return fstype == "ext4" || fstype == "xfs"; }

absl::Status FsTools::Run(const std::vector<std::string>& argv, absl::Time deadline) {
  absl::Time start = absl::Now();
  absl::StatusOr<ExecResult> result = exec_->Run(argv, deadline);
  if (!result.ok()) return result.status();
  std::string command;
  for (const std::string& a : argv) StrAppend(&command, command.empty() ? "" : " ", a);
  log::Info("ran", {{"command", command},
                    {"exit_code", std::to_string(result->exit_code)},
                    {"seconds", std::to_string(absl::ToDoubleSeconds(absl::Now() - start))}});
  if (result->exit_code != 0) {
    return absl::InternalError(
        StrCat(command, " failed with exit code ", result->exit_code, ": ", Tail(result->output)));
  }
  return absl::OkStatus();
}

absl::Status FsTools::Make(const std::string& fstype, const std::string& device,
                           absl::Time deadline) {
  if (fstype == "ext4") return Run({"mkfs.ext4", "-q", "-m0", device}, deadline);
  if (fstype == "xfs") return Run({"mkfs.xfs", "-q", device}, deadline);
  return absl::InvalidArgumentError(StrCat("unsupported filesystem type \"", fstype, "\""));
}

absl::Status FsTools::Grow(const std::string& fstype, const std::string& device,
                           const std::string& mount_point, absl::Time deadline) {
  if (fstype == "ext4" || fstype == "ext3" || fstype == "ext2") {
    return Run({"resize2fs", device}, deadline);
  }
  if (fstype == "xfs") return Run({"xfs_growfs", "-d", mount_point}, deadline);
  return absl::FailedPreconditionError(
      StrCat("cannot grow a ", fstype, " filesystem online (ext4 and xfs only)"));
}

}  // namespace byok::node
