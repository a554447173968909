#pragma once

#include <string>

#include "openstack/authenticated_client.h"
#include "openstack/cinder.h"
#include "openstack/microversion.h"
#include "openstack/service_client.h"

namespace byok::openstack {

struct CinderOptions {
  // Sent as "OpenStack-API-Version: volume <microversion>" on every call that does not
  // override it. 3.64 shows encryption_key_id and the type name in volume details
  // (Zed's maximum is 3.70).
  std::string microversion = "3.64";
};

class RestCinderClient : public CinderClient {
 public:
  // Fails if the default microversion does not parse.
  static absl::StatusOr<std::unique_ptr<RestCinderClient>> Create(AuthenticatedClient* auth,
                                                                  CinderOptions options = {});

  absl::StatusOr<Volume> CreateVolume(const CallOptions& o,
                                      const CreateVolumeRequest& request) override;
  absl::StatusOr<Volume> GetVolume(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<VolumePage> ListVolumes(const CallOptions& o, const ListRequest& request) override;
  absl::Status DeleteVolume(const CallOptions& o, const std::string& id) override;
  absl::Status ExtendVolume(const CallOptions& o, const std::string& id,
                            int64_t new_size_gib) override;
  absl::StatusOr<std::map<std::string, std::string>> GetVolumeMetadata(
      const CallOptions& o, const std::string& id) override;
  absl::StatusOr<std::map<std::string, std::string>> UpdateVolumeMetadata(
      const CallOptions& o, const std::string& id,
      const std::map<std::string, std::string>& metadata) override;
  absl::Status DeleteVolumeMetadataKey(const CallOptions& o, const std::string& id,
                                       const std::string& key) override;
  absl::StatusOr<EncryptionMetadata> GetVolumeEncryption(const CallOptions& o,
                                                         const std::string& id) override;
  absl::StatusOr<Snapshot> CreateSnapshot(const CallOptions& o,
                                          const CreateSnapshotRequest& request) override;
  absl::StatusOr<Snapshot> GetSnapshot(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<SnapshotPage> ListSnapshots(const CallOptions& o,
                                             const ListRequest& request) override;
  absl::Status DeleteSnapshot(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<std::map<std::string, std::string>> GetSnapshotMetadata(
      const CallOptions& o, const std::string& id) override;
  absl::StatusOr<std::map<std::string, std::string>> UpdateSnapshotMetadata(
      const CallOptions& o, const std::string& id,
      const std::map<std::string, std::string>& metadata) override;
  absl::Status DeleteSnapshotMetadataKey(const CallOptions& o, const std::string& id,
                                         const std::string& key) override;
  absl::StatusOr<Limits> GetLimits(const CallOptions& o) override;
  absl::StatusOr<std::map<std::string, QuotaUsage>> GetQuotaUsage(
      const CallOptions& o, const std::string& project_id) override;
  absl::Status UpdateQuota(const CallOptions& o, const std::string& project_id,
                           const std::map<std::string, int64_t>& limits) override;
  absl::StatusOr<std::vector<VolumeType>> ListVolumeTypes(const CallOptions& o) override;
  absl::StatusOr<VolumeType> GetVolumeType(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<VolumeTypeEncryption> GetVolumeTypeEncryption(const CallOptions& o,
                                                               const std::string& type_id) override;
  absl::StatusOr<std::vector<Attachment>> ListAttachments(const CallOptions& o,
                                                          const std::string& volume_id) override;
  absl::StatusOr<std::vector<UserMessage>> ListMessages(const CallOptions& o,
                                                        const std::string& resource_uuid) override;
  absl::StatusOr<ApiVersion> GetApiVersion(const CallOptions& o) override;

 private:
  RestCinderClient(AuthenticatedClient* auth, Microversion microversion)
      : svc_(auth, kServiceBlockStorage, "cinder"), microversion_(microversion) {}

  // The microversion for a call: the override, raised to `at_least` if given.
  absl::StatusOr<Microversion> VersionFor(const CallOptions& o,
                                          std::string_view at_least = "") const;
  // A request to endpoint + path with the microversion header set.
  absl::StatusOr<HttpRequest> Request(HttpMethod method, std::string_view path,
                                      const CallOptions& o, Microversion version);
  absl::StatusOr<std::map<std::string, std::string>> MetadataCall(
      HttpMethod method, const std::string& path, const CallOptions& o,
      const std::map<std::string, std::string>* metadata, std::string_view what);
  absl::Status DeleteMetadataKey(const std::string& base_path, const CallOptions& o,
                                 const std::string& key, std::string_view what);

  ServiceClient svc_;
  const Microversion microversion_;
};

}  // namespace byok::openstack
