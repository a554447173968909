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
  absl::Status DeleteSecret(const CallOptions& o, const std::string& ref) override;
  absl::Status RegisterConsumer(const CallOptions& o, const std::string& ref,
                                const SecretConsumer& consumer) override;
  absl::Status UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                  const SecretConsumer& consumer) override;

  // The identity this client sends as, for a test-only client of the same identity
  // (openstack/testing/test_clients.h).
  AuthenticatedClient* auth() const { return svc_.auth(); }

 protected:
  // The plumbing below is shared with the test-only BarbicanTestClient
  // (openstack/testing/test_clients.h), which adds the calls only tests make.

  // A request about one secret, and that secret's UUID.
  struct SecretRequest {
    std::string id;
    HttpRequest request;
  };

  // The consumers API exists from key-manager microversion 1.1 (Wallaby).
  static constexpr char kConsumersVersion[] = "key-manager 1.1";

  // A request to endpoint + "/v1/secrets" [+ "/" + id + suffix].
  absl::StatusOr<HttpRequest> SecretsRequest(HttpMethod method, const CallOptions& o,
                                             std::string_view id = "",
                                             std::string_view suffix = "");
  // A request about the secret `ref` (its UUID or href) names, [+ "/" + suffix].
  absl::StatusOr<SecretRequest> ForSecret(HttpMethod method, const CallOptions& o,
                                          const std::string& ref, std::string_view suffix = "");
  // Maps 404/405/406 of the consumers API to Unimplemented when the secret itself exists.
  absl::Status ConsumersUnsupportedOr(const CallOptions& o, const std::string& id,
                                      absl::Status error);
  ServiceClient& svc() { return svc_; }

 private:
  absl::Status ConsumerCall(HttpMethod method, const CallOptions& o, const std::string& ref,
                            const SecretConsumer& consumer, std::string_view what);

  ServiceClient svc_;
};

}  // namespace byok::openstack
