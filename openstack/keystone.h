#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/secure_bytes.h"
#include "openstack/auth_options.h"
#include "openstack/catalog.h"
#include "openstack/http.h"

namespace byok::openstack {

// One Keystone token and what came with it. Immutable once published, shared by all
// requests using it.
struct AuthSession {
  SecureBytes token;
  absl::Time expires_at;    // Keystone's clock
  absl::Time issued_at;     // Keystone's clock
  absl::Time refresh_at;    // our clock: re-authenticate from here on
  absl::Time local_expiry;  // our clock: unusable from here on
  std::string user_id;
  std::string project_id;
  std::string project_name;
  std::vector<std::string> roles;
  ServiceCatalog catalog;
  // From AuthOptions, so endpoint lookups need nothing else.
  std::string interface = "public";
  std::string region;
  std::map<std::string, std::string> endpoint_overrides;

  // A configured override for the service type, else the catalog's endpoint.
  absl::StatusOr<std::string> Endpoint(std::string_view service_type) const;
};

class TokenProvider {
 public:
  virtual ~TokenProvider() = default;
  // A usable session, authenticating first if needed. Keystone calls are bounded by
  // `deadline`.
  virtual absl::StatusOr<std::shared_ptr<const AuthSession>> GetSession(absl::Time deadline) = 0;
  // A service answered 401 to `stale`'s token: forget it, so the next GetSession
  // re-authenticates. No-op when a newer session has already replaced it (many requests
  // may fail with the same revoked token; only one re-authentication is needed).
  virtual void Invalidate(const AuthSession* stale) = 0;
};

// Keystone v3 password or application-credential authentication with a cached token.
// Re-authenticates `refresh_margin` (120 s, like keystoneauth) before expiry, or halfway
// through the token's life if it is shorter than twice that. Expiry is tracked on our own
// clock (time of the request + the token's lifetime), so clock skew against Keystone does
// not matter. At most one authentication is in flight; other callers wait for it unless
// the current token is still valid.
class KeystoneTokenProvider : public TokenProvider {
 public:
  struct Options {
    absl::Duration refresh_margin = absl::Seconds(120);
    // After a failed refresh while the old token still works, wait this long before the
    // next try, so an outage of Keystone does not turn every request into an auth call.
    absl::Duration failed_refresh_pause = absl::Seconds(5);
    absl::Duration auth_timeout = absl::Seconds(30);
    std::function<absl::Time()> now;  // default absl::Now
  };

  KeystoneTokenProvider(AuthOptions auth, HttpClient* http, Options options);
  KeystoneTokenProvider(AuthOptions auth, HttpClient* http)
      : KeystoneTokenProvider(std::move(auth), http, Options()) {}

  absl::StatusOr<std::shared_ptr<const AuthSession>> GetSession(absl::Time deadline) override;
  void Invalidate(const AuthSession* stale) override;

  // POST /v3/auth/tokens calls made so far (for tests and benchmarks).
  int64_t auth_calls() const { return auth_calls_.load(); }
  const AuthOptions& auth() const { return auth_; }

 private:
  absl::StatusOr<std::shared_ptr<const AuthSession>> Authenticate(absl::Time deadline);
  struct RefreshWait {
    const KeystoneTokenProvider* self;
    uint64_t generation;
  };
  // Called with mu_ held by absl::Mutex::Await.
  static bool RefreshDone(RefreshWait* wait) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  const AuthOptions auth_;
  HttpClient* const http_;
  const Options options_;
  std::atomic<int64_t> auth_calls_{0};

  mutable absl::Mutex mu_;
  std::shared_ptr<const AuthSession> session_ ABSL_GUARDED_BY(mu_);
  bool refreshing_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  absl::Time next_refresh_try_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Pure pieces of the Keystone exchange, exposed for unit tests.
namespace keystone {

// The auth URL's token endpoint: ".../v3" + "/auth/tokens", or "/v3/auth/tokens" appended
// to a versionless URL. Keystone v2.0 URLs are refused.
absl::StatusOr<std::string> TokensUrl(std::string_view auth_url);

// The POST /v3/auth/tokens body. Secrets are spliced in as SecureBytes, never via a string.
absl::StatusOr<SecureBytes> AuthRequestBody(const AuthOptions& auth);

// Parses a 201 response. `sent_at` is our clock when the request was sent.
absl::StatusOr<AuthSession> ParseTokenResponse(const HttpResponse& response,
                                               const AuthOptions& auth, absl::Time sent_at,
                                               absl::Duration refresh_margin);

// Keystone time stamps: "2016-09-14T14:01:13.000000Z" (also without fraction or zone).
absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text);

}  // namespace keystone
}  // namespace byok::openstack
