#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloud/request_secret.h"

// The validated, proto-free form of the node RPCs' requests (request_validation.h builds them).
namespace byok::node {

struct VolumeAccess {
  bool block = false;
  std::string fs_type;  // mount only; "" = what the volume has, or ext4 for a blank one
  std::vector<std::string> mount_flags;
  bool readonly = false;  // a *_READER_ONLY access mode
};

// volume_id everywhere below is the Cinder ID: the CSI ID's owner part (cloud/volume_handle.h)
// is checked once, at NodeStage, against the identity the Secret selects.
struct StageParams {
  std::string volume_id;
  std::string owner_project;  // from the CSI ID; "": the driver's own
  std::string staging_path;
  VolumeAccess access;
  cloud::RequestSecret secret;
  std::map<std::string, std::string> volume_context;
};

struct UnstageParams {
  std::string volume_id;
  std::string staging_path;
};

struct PublishParams {
  std::string volume_id;
  std::string staging_path;
  std::string target_path;
  VolumeAccess access;
  bool readonly = false;  // the request's readonly, or a reader-only access mode
};

struct UnpublishParams {
  std::string volume_id;
  std::string target_path;
};

struct ExpandParams {
  std::string volume_id;
  std::string volume_path;
  std::string staging_path;
  std::optional<bool> block;  // from the capability when given
  int64_t required_bytes = 0;
  int64_t limit_bytes = 0;
};

struct StatsParams {
  std::string volume_id;      // the Cinder ID
  std::string owner_project;  // of a tenant's volume (cloud::Handle); "" for the driver's
  std::string volume_path;
  std::string staging_path;
};

// The file inside a block volume's staging directory that the device is bind-mounted on;
// NodePublishVolume bind-mounts it onto the pod's target file.
inline std::string BlockStagingFile(const std::string& staging_path) {
  return staging_path + "/device";
}

}  // namespace byok::node
