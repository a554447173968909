#include "node/volume_stats.h"

#include "common/strings.h"
#include "node/mapping_name.h"

namespace byok::node {

void StatsReader::CheckMapping(const std::string& volume_id, VolumeUsage* usage) {
  std::string name = MappingName(volume_id);
  absl::StatusOr<MappingStatus> mapping = deps_.crypt->GetMapping(name);
  if (!mapping.ok()) {
    usage->abnormal = true;
    usage->message = StrCat("cannot read the state of dm-crypt mapping ", name, ": ",
                            mapping.status().message());
    return;
  }
  if (mapping->active && mapping->backing_device.empty()) {
    usage->abnormal = true;
    usage->message = StrCat("the disk under dm-crypt mapping ", name, " is gone");
  }
}

absl::StatusOr<VolumeUsage> StatsReader::Read(const StatsParams& params) {
  if (!deps_.fs->PathExists(params.volume_path)) {
    return absl::NotFoundError(StrCat("volume_path ", params.volume_path, " does not exist"));
  }
  VolumeUsage usage;
  absl::StatusOr<std::optional<MountPoint>> mount = deps_.mounter->GetMount(params.volume_path);
  if (!mount.ok()) return mount.status();
  usage.block = !deps_.fs->IsDirectory(params.volume_path);
  if (!mount->has_value()) {
    usage.abnormal = true;
    usage.message = StrCat("volume ", params.volume_id, " is not mounted at ", params.volume_path);
    return usage;
  }

  if (usage.block) {
    absl::StatusOr<int64_t> size = deps_.probe->SizeBytes(params.volume_path);
    if (!size.ok()) {
      usage.abnormal = true;
      usage.message =
          StrCat("cannot read the size of ", params.volume_path, ": ", size.status().message());
      return usage;
    }
    usage.has_usage = true;
    usage.space.total_bytes = *size;
    CheckMapping(params.volume_id, &usage);
    return usage;
  }

  absl::StatusOr<FilesystemUsage> fs_usage = deps_.fs->Usage(params.volume_path);
  if (!fs_usage.ok()) {
    usage.abnormal = true;
    usage.message = std::string(fs_usage.status().message());
    return usage;
  }
  usage.has_usage = true;
  usage.space = *fs_usage;

  const std::string mapper = MapperPath(MappingName(params.volume_id));
  if ((*mount)->source == mapper) {
    absl::StatusOr<MappingStatus> mapping = deps_.crypt->GetMapping(MappingName(params.volume_id));
    if (mapping.ok() && !mapping->active) {
      usage.abnormal = true;
      usage.message =
          StrCat("the filesystem is mounted from ", mapper, " but that dm-crypt mapping is gone");
      return usage;
    }
  }
  CheckMapping(params.volume_id, &usage);
  return usage;
}

}  // namespace byok::node
