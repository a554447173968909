#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

// The one place where errno values from the host become absl::Status codes: syscalls,
// std::error_code from <filesystem>, libcryptsetup's -errno returns and libmount's syscall
// errno all go through this table.
//
//   ENOENT, ENODEV   -> NotFound
//   EPERM, EACCES    -> PermissionDenied
//   EEXIST           -> AlreadyExists
//   EBUSY            -> FailedPrecondition (in use: mounted, open, held by a mapping)
//   EINVAL           -> InvalidArgument
//   ENOMEM, ENOSPC   -> ResourceExhausted
//   anything else    -> the caller's fallback (Internal unless it says otherwise)
//
// Meanings that belong to one call stay with its adapter and are decided before this table
// (umount2's EINVAL is "not a mount point", so OK; crypt_load's EINVAL is "no LUKS header",
// so FailedPrecondition). Every status built here carries the errno as a payload, which
// openstack::Annotate keeps.
namespace byok::node {

inline constexpr char kErrnoPayload[] = "type.byok.dev/node.errno";

absl::StatusCode CodeForErrno(int err, absl::StatusCode fallback = absl::StatusCode::kInternal);

// "<what>: <strerror(err)>" with CodeForErrno(err, fallback) and the errno payload. err <= 0
// (no errno known): "<what>" with `fallback` and no payload.
absl::Status ErrnoStatus(int err, std::string_view what,
                         absl::StatusCode fallback = absl::StatusCode::kInternal);

// The same, but only the codes in `may_answer` come from the table; any other becomes
// `fallback`. For calls whose CSI callers read a code in a way the errno does not mean
// (NOT_FOUND is "no such volume", ALREADY_EXISTS "incompatible volume", PERMISSION_DENIED at
// a LUKS open "wrong key"); an empty list keeps every errno at `fallback`.
absl::Status ErrnoStatus(int err, std::string_view what, absl::StatusCode fallback,
                         std::initializer_list<absl::StatusCode> may_answer);

// The errno an ErrnoStatus carries (through Annotate), if any.
std::optional<int> ErrnoOf(const absl::Status& status);

}  // namespace byok::node
