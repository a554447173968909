#include "node/fs_mount.h"

#include "common/log.h"
#include "common/strings.h"

namespace byok::node {

absl::Status FormatOnceAndMount(Filesystem& fs, Mounter& mounter, DeviceProbe& probe,
                                FsTools& tools, const std::string& volume_id,
                                const std::string& device, const std::string& target,
                                const VolumeAccess& access, absl::Time deadline) {
  absl::StatusOr<dev_t> devno = probe.DeviceNumber(device);
  if (!devno.ok()) return devno.status();
  absl::StatusOr<std::optional<MountPoint>> mounted = mounter.GetMount(target);
  if (!mounted.ok()) return mounted.status();
  if (mounted->has_value()) {
    if ((*mounted)->device == *devno) return absl::OkStatus();
    return absl::AlreadyExistsError(StrCat(target, " already has ", (*mounted)->source,
                                           " mounted, not volume ", volume_id, "'s device ",
                                           device));
  }

  absl::StatusOr<DeviceContent> content = probe.Probe(device);
  if (!content.ok()) return content.status();
  std::string fstype = access.fs_type;
  switch (content->kind) {
    case ContentKind::kBlank:
      if (fstype.empty()) fstype = kDefaultFsType;
      log::Info("making a filesystem on the empty device",
                {{"volume", volume_id}, {"device", device}, {"fstype", fstype}});
      if (absl::Status s = tools.Make(fstype, device, deadline); !s.ok()) return s;
      break;
    case ContentKind::kFilesystem:
      if (!fstype.empty() && fstype != content->type) {
        return absl::FailedPreconditionError(StrCat("volume ", volume_id, " carries ",
                                                    content->Describe(), ", not the requested ",
                                                    fstype, "; it was not reformatted"));
      }
      fstype = content->type;
      break;
    default:
      return absl::FailedPreconditionError(
          StrCat("volume ", volume_id, ": ", device, " carries ", content->Describe(),
                 ", not a filesystem; refusing to format it, the data was not touched"));
  }

  if (absl::Status s = fs.EnsureDirectory(target); !s.ok()) return s;
  std::vector<std::string> options = access.mount_flags;
  if (access.readonly) options.push_back("ro");
  // Clones and snapshots of an xfs volume share its UUID; without nouuid the second one
  // mounted on a node fails.
  if (fstype == "xfs") options.push_back("nouuid");
  return mounter.Mount(device, target, fstype, options);
}

}  // namespace byok::node
