#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "openstack/authenticated_client.h"
#include "openstack/call_options.h"

namespace byok::openstack {

// Plumbing shared by the REST clients: endpoint lookup, JSON requests, status mapping.
class ServiceClient {
 public:
  // `service_type` as in the catalog (kServiceBlockStorage...), `label` for logs/counters.
  ServiceClient(AuthenticatedClient* auth, std::string service_type, std::string label)
      : auth_(auth), service_type_(std::move(service_type)), label_(std::move(label)) {}

  absl::StatusOr<std::string> Endpoint(absl::Time deadline) {
    return auth_->Endpoint(service_type_, deadline);
  }

  // A request with the service label, deadline and "Accept: application/json".
  HttpRequest NewRequest(HttpMethod method, std::string url, const CallOptions& options) const;

  // Sends; a status not in `expected` becomes an error via errors.h, described by `what`.
  absl::StatusOr<HttpResponse> Do(HttpRequest& request, std::string_view what,
                                  std::initializer_list<int> expected);
  // Do() and parse the body as JSON (an empty body is an empty object).
  absl::StatusOr<nlohmann::json> DoJson(HttpRequest& request, std::string_view what,
                                        std::initializer_list<int> expected);

  const std::string& label() const { return label_; }
  AuthenticatedClient* auth() const { return auth_; }

 private:
  AuthenticatedClient* const auth_;
  const std::string service_type_;
  const std::string label_;
};

}  // namespace byok::openstack
