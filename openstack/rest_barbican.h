#pragma once

#include <memory>

#include "openstack/barbican.h"
#include "openstack/service_client.h"

namespace byok::openstack {

class RestBarbicanClient : public BarbicanClient {
 public:
  explicit RestBarbicanClient(AuthenticatedClient* auth)
      : svc_(auth, kServiceKeyManager, "barbican") {}

  absl::StatusOr<SecretMetadata> GetSecret(const CallOptions& o, const std::string& ref) override;
  absl::StatusOr<SecureBytes> GetPayload(const CallOptions& o, const std::string& ref) override;
  absl::StatusOr<std::string> StoreSecret(const CallOptions& o,
                                          const StoreSecretRequest& request) override;
  absl::Status DeleteSecret(const CallOptions& o, const std::string& ref) override;
  absl::Status RegisterConsumer(const CallOptions& o, const std::string& ref,
                                const SecretConsumer& consumer) override;
  absl::Status UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                  const SecretConsumer& consumer) override;
  absl::StatusOr<std::vector<SecretConsumer>> ListConsumers(const CallOptions& o,
                                                            const std::string& ref) override;

 private:
  // endpoint + "/v1/secrets" [+ "/" + id + suffix].
  absl::StatusOr<std::string> SecretsUrl(const CallOptions& o, std::string_view id = "",
                                         std::string_view suffix = "");
  absl::Status ConsumerCall(HttpMethod method, const CallOptions& o, const std::string& ref,
                            const SecretConsumer& consumer, std::string_view what);
  // Maps 404/405/406 of the consumers API to Unimplemented when the secret itself exists.
  absl::Status ConsumersUnsupportedOr(const CallOptions& o, const std::string& id,
                                      absl::Status error);

  ServiceClient svc_;
};

}  // namespace byok::openstack
