#include "node/os_errors.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "absl/strings/cord.h"
#include "common/strings.h"

namespace byok::node {

absl::StatusCode CodeForErrno(int err, absl::StatusCode fallback) {
  switch (err) {
    case ENOENT:
    case ENODEV:
      return absl::StatusCode::kNotFound;
    case EPERM:
    case EACCES:
      return absl::StatusCode::kPermissionDenied;
    case EEXIST:
      return absl::StatusCode::kAlreadyExists;
    case EBUSY:
      return absl::StatusCode::kFailedPrecondition;
    case EINVAL:
      return absl::StatusCode::kInvalidArgument;
    case ENOMEM:
    case ENOSPC:
      return absl::StatusCode::kResourceExhausted;
    default:
      return fallback;
  }
}

absl::Status ErrnoStatus(int err, std::string_view what, absl::StatusCode fallback) {
  if (err <= 0) return absl::Status(fallback, std::string(what));
  absl::Status status(CodeForErrno(err, fallback), StrCat(what, ": ", std::strerror(err)));
  status.SetPayload(kErrnoPayload, absl::Cord(std::to_string(err)));
  return status;
}

absl::Status ErrnoStatus(int err, std::string_view what, absl::StatusCode fallback,
                         std::initializer_list<absl::StatusCode> may_answer) {
  absl::Status status = ErrnoStatus(err, what, fallback);
  for (absl::StatusCode code : may_answer) {
    if (status.code() == code) return status;
  }
  absl::Status out(fallback, status.message());
  status.ForEachPayload(
      [&out](absl::string_view type, const absl::Cord& value) { out.SetPayload(type, value); });
  return out;
}

std::optional<int> ErrnoOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrnoPayload);
  if (!payload) return std::nullopt;
  std::string text(*payload);
  int err = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), err);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return err;
}

}  // namespace byok::node
