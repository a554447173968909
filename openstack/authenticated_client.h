#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "openstack/http.h"
#include "openstack/keystone.h"

namespace byok::openstack {

// Sends requests with the current token as X-Auth-Token. On 401 (revoked or expired
// token) it invalidates that token, re-authenticates once and repeats the request once;
// a second 401 is returned to the caller.
class AuthenticatedClient {
 public:
  AuthenticatedClient(TokenProvider* tokens, HttpClient* http) : tokens_(tokens), http_(http) {}

  absl::StatusOr<HttpResponse> Send(HttpRequest& request);

  // The endpoint of a service type for the current session (override or catalog).
  absl::StatusOr<std::string> Endpoint(std::string_view service_type, absl::Time deadline);

  TokenProvider* tokens() const { return tokens_; }
  HttpClient* http() const { return http_; }

 private:
  TokenProvider* const tokens_;
  HttpClient* const http_;
};

}  // namespace byok::openstack
