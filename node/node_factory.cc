// NewNodeService: the production seams behind the node service.
#include "common/log.h"
#include "common/strings.h"
#include "node/blkid_probe.h"
#include "node/libcryptsetup_crypt.h"
#include "node/libmount_mounter.h"
#include "node/node_service.h"
#include "node/paths.h"
#include "node/process_exec.h"
#include "node/sysfs_device_finder.h"
#include "openstack/curl_http.h"

namespace byok::node {

namespace {

// The production seams, owned by the service.
struct HostSeams {
  SysfsDeviceFinder finder;
  BlkidProbe probe;
  LibCryptsetupCrypt crypt;
  LibmountMounter mounter;
  ProcessExec exec;
  HostFilesystem fs;
  std::unique_ptr<openstack::HttpClient> http;
  std::unique_ptr<InstanceMetadata> metadata;
};

}  // namespace

absl::StatusOr<std::unique_ptr<NodeService>> NewNodeService(NodeOptions options,
                                                            cloud::CloudAccess* cloud,
                                                            const openstack::CloudConfig& config) {
  if (cloud == nullptr) return absl::InvalidArgumentError("the node service needs cloud access");
  auto owned = std::make_unique<HostSeams>();
  absl::Duration timeout = config.metadata.request_timeout > absl::ZeroDuration()
                               ? config.metadata.request_timeout
                               : absl::Seconds(10);
  openstack::CurlOptions curl;
  curl.connect_timeout = std::min(timeout, absl::Seconds(5));
  curl.attempt_timeout = timeout;
  absl::StatusOr<std::unique_ptr<openstack::HttpClient>> http = openstack::NewCurlTransport(curl);
  if (!http.ok()) return http.status();
  owned->http = *std::move(http);

  std::vector<ChainedMetadata::Source> sources;
  for (const std::string& name : config.metadata.search_order) {
    std::string lower = ToLower(name);
    if (lower == "configdrive") {
      sources.push_back(
          {name, std::make_unique<ConfigDriveMetadata>(&owned->mounter, &FindFilesystemLabel)});
    } else if (lower == "metadataservice") {
      sources.push_back({name, std::make_unique<MetadataServiceMetadata>(
                                   owned->http.get(), config.metadata.url, timeout)});
    } else {
      return absl::InvalidArgumentError(
          StrCat("cloud.conf [Metadata] search-order: unknown source \"", name,
                 "\" (configDrive, metadataService)"));
    }
  }
  owned->metadata = std::make_unique<ChainedMetadata>(std::move(sources));

  NodeDeps deps;
  deps.cloud = cloud;
  deps.finder = &owned->finder;
  deps.probe = &owned->probe;
  deps.crypt = &owned->crypt;
  deps.mounter = &owned->mounter;
  deps.exec = &owned->exec;
  deps.fs = &owned->fs;
  auto service = std::make_unique<NodeService>(std::move(options), deps, owned->metadata.get());
  service->owned_ = std::move(owned);
  return service;
}

}  // namespace byok::node
