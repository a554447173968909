// libFuzzer target: a Keystone POST /v3/auth/tokens 201 body -> keystone::ParseTokenResponse
// (token times, user, project, roles, service catalog), then endpoint lookups as the
// clients do them, and the error-body decoder used for non-2xx replies.
#include <cstdlib>

#include "fuzz/fuzz_util.h"
#include "openstack/errors.h"
#include "openstack/keystone.h"

using byok::openstack::AuthOptions;
using byok::openstack::HttpResponse;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = byok::fuzz::AsView(data, size);
  static const absl::Time sent_at = absl::FromUnixSeconds(1714564800);  // 2024-05-01T12:00Z
  HttpResponse response;
  response.status = 201;
  response.body = byok::SecureBytes::FromView(body);
  response.subject_token = byok::SecureBytes::FromView("gAAAAAfuzztoken");
  AuthOptions auth;
  auth.region = (size % 2) ? "RegionOne" : "";
  auth.interface = (size % 3) ? "public" : "internal";
  auto session =
      byok::openstack::keystone::ParseTokenResponse(response, auth, sent_at, absl::Seconds(120));
  if (session.ok()) {
    if (session->refresh_at > session->local_expiry) abort();
    for (const char* type :
         {"block-storage", "volumev3", "volume", "compute", "key-manager", "identity", ""}) {
      (void)session->Endpoint(type);
    }
  }
  (void)byok::openstack::keystone::ParseTimestamp(body);
  (void)byok::openstack::ServiceMessage(body);
  return 0;
}
