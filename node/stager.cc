#include "node/stager.h"

#include "common/log.h"
#include "common/strings.h"
#include "node/device_preparer.h"
#include "node/fs_mount.h"
#include "node/fs_tools.h"
#include "node/mapping_name.h"
#include "node/unlocker.h"
#include "node/volume_key.h"
#include "openstack/errors.h"

namespace byok::node {

absl::Status Stager::Stage(const StageParams& params, absl::Time deadline) {
  absl::Time start = absl::Now();
  absl::StatusOr<VolumeKey> key = ResolveVolumeKey(*deps_.cloud, params, deadline);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> device = deps_.finder->Find(params.volume_id, deadline);
  if (!device.ok()) return device.status();

  Unlocker unlocker(deps_.crypt, limiter_);
  DevicePreparer preparer(deps_.crypt, deps_.probe, &unlocker);
  absl::StatusOr<std::string> usable = preparer.Prepare(*key, *device, deadline);
  if (!usable.ok()) return usable.status();

  absl::Status placed;
  if (params.access.block) {
    placed = StageBlock(params.volume_id, *usable, params.staging_path);
  } else {
    FsTools tools(deps_.exec);
    placed = FormatOnceAndMount(*deps_.fs, *deps_.mounter, *deps_.probe, tools, params.volume_id,
                                *usable, params.staging_path, params.access, deadline);
  }
  if (!placed.ok()) return placed;
  log::Info("staged", {{"volume", params.volume_id},
                       {"mode", std::string(envelope::ModeName(key->descriptor.mode))},
                       {"device", *device},
                       {"uses", *usable},
                       {"access", params.access.block ? "block" : "mount"},
                       {"seconds", std::to_string(absl::ToDoubleSeconds(absl::Now() - start))}});
  return absl::OkStatus();
}

absl::Status Stager::StageBlock(const std::string& volume_id, const std::string& device,
                                const std::string& staging_path) {
  absl::StatusOr<dev_t> devno = deps_.probe->DeviceNumber(device);
  if (!devno.ok()) return devno.status();
  std::string file = BlockStagingFile(staging_path);
  absl::StatusOr<std::optional<MountPoint>> mounted = deps_.mounter->GetMount(file);
  if (!mounted.ok()) return mounted.status();
  if (mounted->has_value()) {
    absl::StatusOr<dev_t> current = deps_.probe->DeviceNumber(file);
    if (current.ok() && *current == *devno) return absl::OkStatus();
    return absl::AlreadyExistsError(StrCat(staging_path, " already stages another device than ",
                                           "volume ", volume_id, "'s ", device));
  }
  if (absl::Status s = deps_.fs->EnsureFile(file); !s.ok()) return s;
  return deps_.mounter->BindMount(device, file, /*readonly=*/false, {});
}

absl::Status Stager::Unstage(const UnstageParams& params) {
  // Block mode: the device node bind-mounted inside the staging directory.
  std::string file = BlockStagingFile(params.staging_path);
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<std::optional<MountPoint>> mounted = deps_.mounter->GetMount(file);
    if (!mounted.ok()) return mounted.status();
    if (!mounted->has_value()) break;
    if (absl::Status s = deps_.mounter->Unmount(file); !s.ok()) return s;
  }
  if (deps_.fs->PathExists(file) && !deps_.fs->IsDirectory(file)) {
    if (absl::Status s = deps_.fs->RemoveMountPoint(file); !s.ok()) return s;
  }
  // Mount mode: the filesystem on the staging directory (stacked mounts included).
  for (int i = 0;; ++i) {
    absl::StatusOr<std::optional<MountPoint>> mounted =
        deps_.mounter->GetMount(params.staging_path);
    if (!mounted.ok()) return mounted.status();
    if (!mounted->has_value()) break;
    if (i == 8) return absl::InternalError(StrCat(params.staging_path, " stays mounted"));
    if (absl::Status s = deps_.mounter->Unmount(params.staging_path); !s.ok()) return s;
  }
  std::string name = MappingName(params.volume_id);
  absl::StatusOr<MappingStatus> mapping = deps_.crypt->GetMapping(name);
  if (!mapping.ok()) return mapping.status();
  if (mapping->active) {
    if (absl::Status s = deps_.crypt->Deactivate(name); !s.ok()) {
      return openstack::WithMessage(s, StrCat("volume ", params.volume_id, ": ", s.message(),
                                              " (is it still published somewhere?)"));
    }
    log::Info("closed the LUKS mapping", {{"volume", params.volume_id}, {"mapping", name}});
  }
  log::Info("unstaged", {{"volume", params.volume_id}});
  return absl::OkStatus();
}

}  // namespace byok::node
