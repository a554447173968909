#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "openstack/auth_options.h"

// cloud.conf as the upstream cinder-csi-plugin reads it (INI, gcfg syntax), plus our keys.
//
// [Global] (and [Global "name"] for named clouds):
//   auth-url, region, endpoint-type | os-endpoint-type | interface,
//   username, user-id, password, domain-name, domain-id, user-domain-name, user-domain-id,
//   tenant-name | project-name, tenant-id | project-id,
//   tenant-domain-name | project-domain-name, tenant-domain-id | project-domain-id,
//   application-credential-id, application-credential-name, application-credential-secret,
//   ca-file, cert-file, key-file, tls-insecure,
//   ours: tenant-auth-urls (comma-separated https Keystone URLs a tenant's Secret may name),
//   ours: cinder-endpoint, nova-endpoint, barbican-endpoint, metadata-url ([Global] only).
//   domain-name/domain-id apply to the user and the project when the specific keys are unset.
// [BlockStorage]: bs-version, trust-device-path, node-volume-attach-limit,
//   ours: cinder-microversion-byok. Upstream's ignore-volume-az, rescan-on-resize and
//   ignore-volume-microversion are warned about and ignored.
// [Metadata]: search-order (default "configDrive,metadataService"), request-timeout.
namespace byok::openstack {

struct BlockStorageOptions {
  std::string bs_version;  // accepted for compatibility; Cinder v3 is always used
  bool trust_device_path = false;
  int node_volume_attach_limit = 0;  // 0: not set
  // The Cinder microversion that accepts encryption_key_id on create; empty: the caller's
  // default (stock Cinder has none: see openstack-facts.md §1.1).
  std::string cinder_microversion_byok;
};

struct MetadataOptions {
  std::vector<std::string> search_order = {"configDrive", "metadataService"};
  absl::Duration request_timeout = absl::ZeroDuration();  // 0: the caller's default
  std::string url;  // [Global] metadata-url; empty: http://169.254.169.254
};

struct CloudConfig {
  AuthOptions global;                         // [Global]
  std::map<std::string, AuthOptions> clouds;  // [Global "name"], independent of [Global]
  BlockStorageOptions block_storage;
  MetadataOptions metadata;

  // "" is the default [Global]; nullptr if no such named cloud.
  const AuthOptions* FindCloud(std::string_view name) const;
  CloudConfig Clone() const;
};

// Parses cloud.conf text. Unknown sections and keys (and upstream keys this driver does
// not support, such as trust-id) are reported in `warnings` with their line numbers, never
// with values. Missing required keys fail with InvalidArgument naming the key.
absl::StatusOr<CloudConfig> ParseCloudConfig(std::string_view text,
                                             std::vector<std::string>* warnings);
absl::StatusOr<CloudConfig> LoadCloudConfigFile(const std::string& path,
                                                std::vector<std::string>* warnings);

// Checks that `options` can authenticate; `where` names the source in messages, e.g.
// "cloud.conf [Global]". Exposed for callers that assemble AuthOptions themselves.
absl::Status ValidateAuthOptions(const AuthOptions& options, std::string_view where);

// A Keystone URL without surrounding whitespace or trailing slashes, for comparing.
std::string NormalizeAuthUrl(std::string_view url);

}  // namespace byok::openstack
