#include "node/publisher.h"

#include "common/log.h"
#include "common/strings.h"

namespace byok::node {

absl::Status Publisher::Publish(const PublishParams& params) {
  absl::Status s = params.access.block ? PublishBlock(params) : PublishMount(params);
  if (s.ok()) {
    log::Info("published", {{"volume", params.volume_id},
                            {"target", params.target_path},
                            {"readonly", params.readonly ? "true" : "false"}});
  }
  return s;
}

absl::Status Publisher::PublishMount(const PublishParams& params) {
  absl::StatusOr<std::optional<MountPoint>> staged = deps_.mounter->GetMount(params.staging_path);
  if (!staged.ok()) return staged.status();
  if (!staged->has_value()) {
    return absl::FailedPreconditionError(StrCat("volume ", params.volume_id, " is not staged at ",
                                                params.staging_path, " (nothing mounted there)"));
  }
  absl::StatusOr<std::optional<MountPoint>> current = deps_.mounter->GetMount(params.target_path);
  if (!current.ok()) return current.status();
  if (current->has_value()) {
    const MountPoint& t = **current;
    const MountPoint& s = **staged;
    if (t.device == s.device && t.root == s.root && t.readonly == params.readonly) {
      return absl::OkStatus();
    }
    return absl::AlreadyExistsError(StrCat(params.target_path, " already has a mount (", t.source,
                                           t.readonly ? ", read-only" : "", ") that is not volume ",
                                           params.volume_id, " published ",
                                           params.readonly ? "read-only" : "read-write"));
  }
  if (absl::Status st = deps_.fs->EnsureDirectory(params.target_path); !st.ok()) return st;
  return deps_.mounter->BindMount(params.staging_path, params.target_path, params.readonly,
                                  params.access.mount_flags);
}

absl::Status Publisher::PublishBlock(const PublishParams& params) {
  std::string source = BlockStagingFile(params.staging_path);
  absl::StatusOr<dev_t> staged = deps_.probe->DeviceNumber(source);
  absl::StatusOr<std::optional<MountPoint>> staged_mount = deps_.mounter->GetMount(source);
  if (!staged_mount.ok()) return staged_mount.status();
  if (!staged.ok() || !staged_mount->has_value()) {
    return absl::FailedPreconditionError(StrCat(
        "volume ", params.volume_id, " is not staged as a block device at ", params.staging_path));
  }
  absl::StatusOr<std::optional<MountPoint>> current = deps_.mounter->GetMount(params.target_path);
  if (!current.ok()) return current.status();
  if (current->has_value()) {
    absl::StatusOr<dev_t> there = deps_.probe->DeviceNumber(params.target_path);
    if (there.ok() && *there == *staged && (*current)->readonly == params.readonly) {
      return absl::OkStatus();
    }
    return absl::AlreadyExistsError(StrCat(params.target_path,
                                           " already has another device or mode mounted than "
                                           "volume ",
                                           params.volume_id));
  }
  if (deps_.fs->IsDirectory(params.target_path)) {
    return absl::InvalidArgumentError(StrCat("target_path ", params.target_path,
                                             " is a directory; a block volume is "
                                             "published on a file"));
  }
  if (absl::Status st = deps_.fs->EnsureFile(params.target_path); !st.ok()) return st;
  return deps_.mounter->BindMount(source, params.target_path, params.readonly, {});
}

absl::Status Publisher::Unpublish(const UnpublishParams& params) {
  for (int i = 0;; ++i) {
    absl::StatusOr<std::optional<MountPoint>> mounted = deps_.mounter->GetMount(params.target_path);
    if (!mounted.ok()) return mounted.status();
    if (!mounted->has_value()) break;
    if (i == 8) return absl::InternalError(StrCat(params.target_path, " stays mounted"));
    if (absl::Status s = deps_.mounter->Unmount(params.target_path); !s.ok()) return s;
  }
  if (absl::Status s = deps_.fs->RemoveMountPoint(params.target_path); !s.ok()) return s;
  log::Info("unpublished", {{"volume", params.volume_id}, {"target", params.target_path}});
  return absl::OkStatus();
}

}  // namespace byok::node
