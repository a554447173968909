#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "openstack/rest_barbican.h"
#include "openstack/rest_cinder.h"
#include "openstack/rest_nova.h"
#include "openstack/testing/test_api.h"

// The REST clients with the calls that only tests and the lab tools make: quotas, volume
// types and attachment listings for checking what the driver did, storing keys and listing
// their consumers. The driver's interfaces (cinder.h, barbican.h, nova.h) leave these calls
// out. Library openstack_test_clients: linked by tests and lab tools, never by the
// `openstack` library or the plugin.
namespace byok::openstack::testing {

// RestCinderClient plus the Cinder calls only tests make.
class CinderTestClient : public RestCinderClient {
 public:
  // Fails if the default microversion does not parse.
  static absl::StatusOr<std::unique_ptr<CinderTestClient>> Create(AuthenticatedClient* auth,
                                                                  CinderOptions options = {});

  absl::StatusOr<std::map<std::string, QuotaUsage>> GetQuotaUsage(const CallOptions& o,
                                                                  const std::string& project_id);
  // Admin: sets quota limits ("volumes", "gigabytes", "snapshots", ...) of a project.
  absl::Status UpdateQuota(const CallOptions& o, const std::string& project_id,
                           const std::map<std::string, int64_t>& limits);
  absl::StatusOr<std::vector<VolumeType>> ListVolumeTypes(const CallOptions& o);
  absl::StatusOr<VolumeType> GetVolumeType(const CallOptions& o, const std::string& id);
  // Admin only by default policy.
  absl::StatusOr<VolumeTypeEncryption> GetVolumeTypeEncryption(const CallOptions& o,
                                                               const std::string& type_id);
  // The attachments API (microversion raised to >= 3.27); all attachments when `volume_id`
  // is empty.
  absl::StatusOr<std::vector<Attachment>> ListAttachments(const CallOptions& o,
                                                          const std::string& volume_id);

 private:
  using RestCinderClient::RestCinderClient;
};

// RestBarbicanClient plus the Barbican calls only tests and the lab tools make.
class BarbicanTestClient : public RestBarbicanClient {
 public:
  using RestBarbicanClient::RestBarbicanClient;
  // A client with the identity of `client`, which must be a RestBarbicanClient (as in
  // cloud::Clients) and outlive the result; FailedPrecondition for another implementation
  // (call a FakeBarbican directly).
  static absl::StatusOr<std::unique_ptr<BarbicanTestClient>> Of(BarbicanClient& client);

  // Returns the new secret's UUID.
  absl::StatusOr<std::string> StoreSecret(const CallOptions& o, const StoreSecretRequest& request);
  // Unimplemented when the server does not offer secret consumers.
  absl::StatusOr<std::vector<SecretConsumer>> ListConsumers(const CallOptions& o,
                                                            const std::string& ref);
};

// RestNovaClient plus the Nova calls only tests make.
class NovaTestClient : public RestNovaClient {
 public:
  static absl::StatusOr<std::unique_ptr<NovaTestClient>> Create(AuthenticatedClient* auth,
                                                                NovaOptions options = {});

  absl::StatusOr<std::vector<ServerVolumeAttachment>> ListVolumeAttachments(
      const CallOptions& o, const std::string& server_id);
  absl::StatusOr<ServerVolumeAttachment> GetVolumeAttachment(const CallOptions& o,
                                                             const std::string& server_id,
                                                             const std::string& volume_id);

 private:
  using RestNovaClient::RestNovaClient;
};

}  // namespace byok::openstack::testing
