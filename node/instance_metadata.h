#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/mounter.h"
#include "openstack/http.h"

namespace byok::node {

// What the node needs to know about the Nova instance it runs on.
struct InstanceInfo {
  std::string uuid;               // the Nova server ID: the CSI node ID
  std::string availability_zone;  // "" when Nova does not say
};

// Parses openstack/latest/meta_data.json ("uuid", "availability_zone").
absl::StatusOr<InstanceInfo> ParseMetaData(std::string_view json);

class InstanceMetadata {
 public:
  virtual ~InstanceMetadata() = default;
  virtual absl::StatusOr<InstanceInfo> Get(absl::Time deadline) = 0;
};

// The config drive: the filesystem labelled "config-2" (iso9660 or vfat), mounted read-only on
// a private temporary directory just long enough to read meta_data.json.
class ConfigDriveMetadata : public InstanceMetadata {
 public:
  // Returns the device carrying a filesystem label; on the host, FindFilesystemLabel
  // (node/blkid_probe.h), which asks libblkid.
  using LabelLookup = std::function<absl::StatusOr<std::string>(std::string_view label)>;
  ConfigDriveMetadata(Mounter* mounter, LabelLookup lookup, std::string temp_dir = "/tmp");
  absl::StatusOr<InstanceInfo> Get(absl::Time deadline) override;

 private:
  Mounter* mounter_;
  LabelLookup lookup_;
  std::string temp_dir_;
};

// The metadata service: GET <base_url>/openstack/latest/meta_data.json. The base URL is
// configurable (cloud.conf [Global] metadata-url) so tests never reach 169.254.169.254.
class MetadataServiceMetadata : public InstanceMetadata {
 public:
  MetadataServiceMetadata(openstack::HttpClient* http, std::string base_url,
                          absl::Duration request_timeout);
  absl::StatusOr<InstanceInfo> Get(absl::Time deadline) override;

 private:
  openstack::HttpClient* http_;
  std::string base_url_;
  absl::Duration request_timeout_;
};

// Tries sources in order (cloud.conf [Metadata] search-order); the first answer wins.
class ChainedMetadata : public InstanceMetadata {
 public:
  struct Source {
    std::string name;  // "configDrive", "metadataService"
    std::unique_ptr<InstanceMetadata> metadata;
  };
  explicit ChainedMetadata(std::vector<Source> sources) : sources_(std::move(sources)) {}
  absl::StatusOr<InstanceInfo> Get(absl::Time deadline) override;

 private:
  std::vector<Source> sources_;
};

inline constexpr char kDefaultMetadataUrl[] = "http://169.254.169.254";
inline constexpr char kConfigDriveLabel[] = "config-2";

}  // namespace byok::node
