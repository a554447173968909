#include "node/request_validation.h"

#include "cloud/volume_handle.h"
#include "common/strings.h"
#include "csi/access_modes.h"
#include "csi/csi.pb.h"
#include "node/fs_tools.h"

namespace byok::node {
namespace {

using ::csi::v1::VolumeCapability;

constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxPathBytes = 4096;
constexpr size_t kMaxMountFlagsBytes = 4096;

absl::Status Missing(std::string_view field) {
  return absl::InvalidArgumentError(StrCat(field, " is required"));
}

absl::Status CheckVolumeId(const std::string& id) {
  if (id.empty()) return Missing("volume_id");
  if (id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(StrCat("volume_id is longer than ", kMaxIdBytes, " bytes"));
  }
  for (char c : id) {
    if (c == '/' || c == '\0' || static_cast<unsigned char>(c) < 0x20) {
      return absl::InvalidArgumentError("volume_id contains '/' or control characters");
    }
  }
  if (id == "." || id == "..") return absl::InvalidArgumentError("volume_id is not a volume ID");
  return absl::OkStatus();
}

// The Cinder ID inside a well-formed CSI volume ID.
absl::StatusOr<cloud::Handle> VolumeHandle(const std::string& id) {
  if (absl::Status s = CheckVolumeId(id); !s.ok()) return s;
  return cloud::ParseHandle(id, "volume");
}

absl::Status CheckPath(const std::string& path, std::string_view field) {
  if (path.empty()) return Missing(field);
  if (path.size() > kMaxPathBytes) {
    return absl::InvalidArgumentError(StrCat(field, " is longer than ", kMaxPathBytes, " bytes"));
  }
  if (path.front() != '/') return absl::InvalidArgumentError(StrCat(field, " must be absolute"));
  if (path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(StrCat(field, " contains a NUL byte"));
  }
  for (std::string_view part : Split(path, '/')) {
    if (part == "..") return absl::InvalidArgumentError(StrCat(field, " contains \"..\""));
  }
  return absl::OkStatus();
}

// Options that would change what is mounted rather than how.
bool ForbiddenMountFlag(std::string_view flag) {
  static constexpr std::string_view kForbidden[] = {
      "bind",         "rbind",         "remount",         "move",
      "make-shared",  "make-rshared",  "make-slave",      "make-rslave",
      "make-private", "make-rprivate", "make-unbindable", "make-runbindable"};
  for (std::string_view f : kForbidden) {
    if (flag == f) return true;
  }
  return StartsWith(flag, "X-") || StartsWith(flag, "x-");
}

}  // namespace

absl::StatusOr<VolumeAccess> ValidateCapability(const VolumeCapability& capability,
                                                std::string_view field,
                                                absl::StatusCode unsupported) {
  VolumeAccess access;
  if (!capability.has_access_mode()) return Missing(StrCat(field, ".access_mode"));
  using Mode = VolumeCapability::AccessMode;
  const Mode::Mode mode = capability.access_mode().mode();
  if (mode == Mode::UNKNOWN) {
    return absl::InvalidArgumentError(StrCat(field, ".access_mode.mode is UNKNOWN"));
  }
  if (!csi::IsServedAccessMode(mode)) {
    return absl::Status(
        unsupported,
        StrCat(field, ".access_mode.mode ", Mode::Mode_Name(mode),
               " is not supported: a Cinder volume is attached to one node at a time"));
  }
  access.readonly = mode == Mode::SINGLE_NODE_READER_ONLY;
  if (capability.has_block()) {
    access.block = true;
  } else if (capability.has_mount()) {
    const auto& mount = capability.mount();
    access.fs_type = mount.fs_type();
    if (!access.fs_type.empty() && !FsTools::Supported(access.fs_type)) {
      return absl::Status(unsupported, StrCat(field, ".mount.fs_type \"", access.fs_type,
                                              "\" is not supported (ext4, xfs)"));
    }
    size_t total = 0;
    for (const std::string& flag : mount.mount_flags()) {
      total += flag.size();
      if (flag.empty() || flag.find(',') != std::string::npos ||
          flag.find('\0') != std::string::npos) {
        return absl::InvalidArgumentError(
            StrCat(field, ".mount.mount_flags: each flag must be one non-empty option"));
      }
      if (ForbiddenMountFlag(flag)) {
        return absl::InvalidArgumentError(
            StrCat(field, ".mount.mount_flags: \"", flag, "\" is not allowed"));
      }
      access.mount_flags.push_back(flag);
    }
    if (total > kMaxMountFlagsBytes) {
      return absl::InvalidArgumentError(StrCat(field, ".mount.mount_flags exceed 4 KiB"));
    }
    if (!mount.volume_mount_group().empty()) {
      return absl::Status(
          unsupported,
          StrCat(field, ".mount.volume_mount_group is not supported (no VOLUME_MOUNT_GROUP)"));
    }
  } else {
    return Missing(StrCat(field, ".access_type (block or mount)"));
  }
  return access;
}

absl::StatusOr<StageParams> ValidateStage(const ::csi::v1::NodeStageVolumeRequest& request) {
  StageParams p;
  auto handle = VolumeHandle(request.volume_id());
  if (!handle.ok()) return handle.status();
  if (absl::Status s = CheckPath(request.staging_target_path(), "staging_target_path"); !s.ok()) {
    return s;
  }
  if (!request.has_volume_capability()) return Missing("volume_capability");
  absl::StatusOr<VolumeAccess> access = ValidateCapability(
      request.volume_capability(), "volume_capability", absl::StatusCode::kFailedPrecondition);
  if (!access.ok()) return access.status();
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  p.volume_id = handle->cinder_id;
  p.owner_project = handle->project_id;
  p.staging_path = request.staging_target_path();
  p.access = *std::move(access);
  p.secret = *std::move(secret);
  p.volume_context.insert(request.volume_context().begin(), request.volume_context().end());
  return p;
}

absl::StatusOr<UnstageParams> ValidateUnstage(const ::csi::v1::NodeUnstageVolumeRequest& request) {
  auto handle = VolumeHandle(request.volume_id());
  if (!handle.ok()) return handle.status();
  if (absl::Status s = CheckPath(request.staging_target_path(), "staging_target_path"); !s.ok()) {
    return s;
  }
  return UnstageParams{handle->cinder_id, request.staging_target_path()};
}

absl::StatusOr<PublishParams> ValidatePublish(const ::csi::v1::NodePublishVolumeRequest& request) {
  PublishParams p;
  auto handle = VolumeHandle(request.volume_id());
  if (!handle.ok()) return handle.status();
  if (absl::Status s = CheckPath(request.target_path(), "target_path"); !s.ok()) return s;
  if (!request.has_volume_capability()) return Missing("volume_capability");
  absl::StatusOr<VolumeAccess> access = ValidateCapability(
      request.volume_capability(), "volume_capability", absl::StatusCode::kFailedPrecondition);
  if (!access.ok()) return access.status();
  if (request.staging_target_path().empty()) {
    return absl::FailedPreconditionError(
        "staging_target_path is required: the plugin has STAGE_UNSTAGE_VOLUME, so the volume must "
        "be staged first");
  }
  if (absl::Status s = CheckPath(request.staging_target_path(), "staging_target_path"); !s.ok()) {
    return s;
  }
  if (request.staging_target_path() == request.target_path()) {
    return absl::InvalidArgumentError("target_path equals staging_target_path");
  }
  p.volume_id = handle->cinder_id;
  p.staging_path = request.staging_target_path();
  p.target_path = request.target_path();
  p.access = *std::move(access);
  p.readonly = request.readonly() || p.access.readonly;
  return p;
}

absl::StatusOr<UnpublishParams> ValidateUnpublish(
    const ::csi::v1::NodeUnpublishVolumeRequest& request) {
  auto handle = VolumeHandle(request.volume_id());
  if (!handle.ok()) return handle.status();
  if (absl::Status s = CheckPath(request.target_path(), "target_path"); !s.ok()) return s;
  return UnpublishParams{handle->cinder_id, request.target_path()};
}

absl::StatusOr<ExpandParams> ValidateExpand(const ::csi::v1::NodeExpandVolumeRequest& request) {
  ExpandParams p;
  auto handle = VolumeHandle(request.volume_id());
  if (!handle.ok()) return handle.status();
  if (absl::Status s = CheckPath(request.volume_path(), "volume_path"); !s.ok()) return s;
  if (!request.staging_target_path().empty()) {
    if (absl::Status s = CheckPath(request.staging_target_path(), "staging_target_path"); !s.ok()) {
      return s;
    }
  }
  if (request.has_volume_capability()) {
    absl::StatusOr<VolumeAccess> access = ValidateCapability(
        request.volume_capability(), "volume_capability", absl::StatusCode::kInvalidArgument);
    if (!access.ok()) return access.status();
    p.block = access->block;
  }
  if (request.has_capacity_range()) {
    p.required_bytes = request.capacity_range().required_bytes();
    p.limit_bytes = request.capacity_range().limit_bytes();
    if (p.required_bytes < 0 || p.limit_bytes < 0) {
      return absl::InvalidArgumentError("capacity_range values must not be negative");
    }
    if (p.limit_bytes > 0 && p.required_bytes > p.limit_bytes) {
      return absl::InvalidArgumentError(
          "capacity_range.required_bytes exceeds capacity_range.limit_bytes");
    }
  }
  p.volume_id = handle->cinder_id;
  p.volume_path = request.volume_path();
  p.staging_path = request.staging_target_path();
  return p;
}

absl::StatusOr<StatsParams> ValidateStats(const ::csi::v1::NodeGetVolumeStatsRequest& request) {
  auto handle = VolumeHandle(request.volume_id());
  if (!handle.ok()) return handle.status();
  if (absl::Status s = CheckPath(request.volume_path(), "volume_path"); !s.ok()) return s;
  if (!request.staging_target_path().empty()) {
    if (absl::Status s = CheckPath(request.staging_target_path(), "staging_target_path"); !s.ok()) {
      return s;
    }
  }
  return StatsParams{handle->cinder_id, handle->project_id, request.volume_path(),
                     request.staging_target_path()};
}

}  // namespace byok::node
