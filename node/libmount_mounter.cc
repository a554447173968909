#include "node/libmount_mounter.h"

#include <libmount/libmount.h>
#include <sys/mount.h>

#include <cerrno>
#include <filesystem>
#include <memory>

#include "common/log.h"
#include "common/strings.h"
#include "node/os_errors.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

struct ContextDeleter {
  void operator()(libmnt_context* c) const { mnt_free_context(c); }
};
struct TableDeleter {
  void operator()(libmnt_table* t) const { mnt_unref_table(t); }
};

std::string Join(const std::vector<std::string>& options) {
  std::string joined;
  for (const std::string& o : options) {
    if (o.empty()) continue;
    StrAppend(&joined, joined.empty() ? "" : ",", o);
  }
  return joined;
}

// The options a bind mount can carry: per-mountpoint VFS flags only.
bool IsVfsFlag(std::string_view option) {
  static constexpr std::string_view kFlags[] = {
      "ro",       "rw",         "nosuid",      "suid",          "nodev",      "dev",
      "noexec",   "exec",       "noatime",     "atime",         "nodiratime", "diratime",
      "relatime", "norelatime", "strictatime", "nostrictatime", "nosymfollow"};
  for (std::string_view f : kFlags) {
    if (option == f) return true;
  }
  return false;
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

absl::Status RunContext(libmnt_context* cxt, const std::string& what) {
  mnt_context_set_optsmode(cxt, MNT_OMODE_NOTAB);
  mnt_context_disable_helpers(cxt, 1);
  mnt_context_disable_mtab(cxt, 1);
  int rc = mnt_context_mount(cxt);
  if (rc == 0 && mnt_context_get_status(cxt) == 1) return absl::OkStatus();
  char buf[BUFSIZ] = {0};
  int syscall_errno = mnt_context_get_syscall_errno(cxt);
  mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
  // libmount's own message says more than strerror; the code comes from the errno table.
  absl::Status status =
      ErrnoStatus(syscall_errno, what, absl::StatusCode::kInternal,
                  {absl::StatusCode::kFailedPrecondition, absl::StatusCode::kNotFound,
                   absl::StatusCode::kPermissionDenied});
  return openstack::WithMessage(status, StrCat(what, " failed: ", buf[0] ? buf : "libmount error"));
}

}  // namespace

absl::Status LibmountMounter::Mount(const std::string& source, const std::string& target,
                                    const std::string& fstype,
                                    const std::vector<std::string>& options) {
  std::unique_ptr<libmnt_context, ContextDeleter> cxt(mnt_new_context());
  if (!cxt) return absl::ResourceExhaustedError("mnt_new_context");
  mnt_context_set_source(cxt.get(), source.c_str());
  mnt_context_set_target(cxt.get(), target.c_str());
  if (!fstype.empty()) mnt_context_set_fstype(cxt.get(), fstype.c_str());
  std::string joined = Join(options);
  if (!joined.empty()) mnt_context_set_options(cxt.get(), joined.c_str());
  return RunContext(cxt.get(), StrCat("mount of ", source, " on ", target,
                                      fstype.empty() ? "" : StrCat(" (", fstype, ")")));
}

absl::Status LibmountMounter::BindMount(const std::string& source, const std::string& target,
                                        bool readonly, const std::vector<std::string>& options) {
  std::vector<std::string> bind_options = {"bind"};
  for (const std::string& o : options) {
    if (o == "ro" || o == "rw") continue;
    if (IsVfsFlag(o)) {
      bind_options.push_back(o);
    } else {
      log::Debug(2, "mount option not applicable to a bind mount; skipped", {{"option", o}});
    }
  }
  if (readonly) bind_options.push_back("ro");
  std::unique_ptr<libmnt_context, ContextDeleter> cxt(mnt_new_context());
  if (!cxt) return absl::ResourceExhaustedError("mnt_new_context");
  mnt_context_set_source(cxt.get(), source.c_str());
  mnt_context_set_target(cxt.get(), target.c_str());
  mnt_context_set_options(cxt.get(), Join(bind_options).c_str());
  return RunContext(cxt.get(), StrCat("bind mount of ", source, " on ", target));
}

absl::Status LibmountMounter::Unmount(const std::string& target) {
  if (umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return absl::OkStatus();
  int err = errno;
  if (err == EINVAL || err == ENOENT) return absl::OkStatus();  // not a mount point (any more)
  return ErrnoStatus(err, StrCat("unmount of ", target), absl::StatusCode::kInternal,
                     {absl::StatusCode::kFailedPrecondition});
}

absl::StatusOr<std::optional<MountPoint>> LibmountMounter::GetMount(const std::string& target) {
  std::unique_ptr<libmnt_table, TableDeleter> table(
      mnt_new_table_from_file("/proc/self/mountinfo"));
  if (!table) return absl::InternalError("cannot read /proc/self/mountinfo");
  std::string path = Canonical(target);
  // The last entry for a mount point is the top-most mount there.
  libmnt_fs* found = nullptr;
  libmnt_iter* iter = mnt_new_iter(MNT_ITER_FORWARD);
  libmnt_fs* fs = nullptr;
  while (mnt_table_next_fs(table.get(), iter, &fs) == 0) {
    const char* t = mnt_fs_get_target(fs);
    if (t != nullptr && path == t) found = fs;
  }
  mnt_free_iter(iter);
  if (found == nullptr) return std::optional<MountPoint>();
  MountPoint mp;
  mp.target = path;
  auto str = [](const char* s) { return std::string(s == nullptr ? "" : s); };
  mp.source = str(mnt_fs_get_source(found));
  mp.fstype = str(mnt_fs_get_fstype(found));
  mp.root = str(mnt_fs_get_root(found));
  mp.device = mnt_fs_get_devno(found);
  std::string vfs = str(mnt_fs_get_vfs_options(found));
  mp.readonly =
      vfs == "ro" || StartsWith(vfs, "ro,") || Contains(vfs, ",ro,") || EndsWith(vfs, ",ro");
  return std::optional<MountPoint>(std::move(mp));
}

}  // namespace byok::node
