#include "node/expander.h"

#include <thread>

#include "common/log.h"
#include "common/strings.h"
#include "node/fs_tools.h"
#include "node/mapping_name.h"

namespace byok::node {

absl::StatusOr<int64_t> Expander::Expand(const ExpandParams& params, absl::Time deadline) {
  if (!deps_.fs->PathExists(params.volume_path)) {
    return absl::NotFoundError(StrCat("volume_path ", params.volume_path, " does not exist"));
  }
  absl::StatusOr<std::optional<MountPoint>> mount = deps_.mounter->GetMount(params.volume_path);
  if (!mount.ok()) return mount.status();
  if (!mount->has_value()) {
    return absl::NotFoundError(
        StrCat("volume ", params.volume_id, " is not mounted at ", params.volume_path));
  }
  const bool directory = deps_.fs->IsDirectory(params.volume_path);
  const bool block = params.block.value_or(!directory);
  if (block == directory) {
    return absl::InvalidArgumentError(StrCat(
        "volume_path ", params.volume_path, " is a ",
        block ? "directory but the capability is block" : "file but the capability is mount"));
  }

  absl::StatusOr<std::string> device = deps_.finder->Find(params.volume_id, deadline);
  if (!device.ok()) return device.status();
  if (absl::Status s = deps_.finder->RescanCapacity(*device); !s.ok()) return s;
  absl::StatusOr<int64_t> size = deps_.probe->SizeBytes(*device);
  while (size.ok() && *size < params.required_bytes &&
         absl::Now() + options_.poll_interval < deadline) {
    std::this_thread::sleep_for(absl::ToChronoMicroseconds(options_.poll_interval));
    (void)deps_.finder->RescanCapacity(*device);
    size = deps_.probe->SizeBytes(*device);
  }
  if (!size.ok()) return size.status();
  if (*size < params.required_bytes) {
    return absl::UnavailableError(StrCat("device ", *device, " of volume ", params.volume_id,
                                         " still shows ", *size, " bytes, not the requested ",
                                         params.required_bytes, "; retry once the disk grew"));
  }

  std::string top = *device;
  std::string name = MappingName(params.volume_id);
  absl::StatusOr<MappingStatus> mapping = deps_.crypt->GetMapping(name);
  if (!mapping.ok()) return mapping.status();
  if (mapping->active) {
    if (mapping->backing_device != *device) {
      return absl::FailedPreconditionError(
          StrCat("mapping ", name, " is not on volume ", params.volume_id, "'s device ", *device));
    }
    if (absl::Status s = deps_.crypt->Resize(name); !s.ok()) return s;
    top = MapperPath(name);
  }
  if (!block) {
    FsTools tools(deps_.exec);
    if (absl::Status s = tools.Grow((*mount)->fstype, top, params.volume_path, deadline); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<int64_t> result = deps_.probe->SizeBytes(top);
  if (!result.ok()) return result.status();
  log::Info("expanded", {{"volume", params.volume_id},
                         {"device_bytes", std::to_string(*size)},
                         {"usable_bytes", std::to_string(*result)}});
  return *result;
}

}  // namespace byok::node
