#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"

namespace byok::cloud {

// The keys of a Kubernetes Secret (CSI request secrets) that this driver reads. Every other
// key is ignored: a tenant's Secret may hold unrelated data.
inline constexpr char kSecretKeyId[] = "keyID";
// Keys the volume may still be bound to while the tenant rotates to keyID: NodeStageVolume
// moves such a volume to keyID (UUIDs or hrefs, separated by commas or spaces; at most 8).
inline constexpr char kSecretPreviousKeyIds[] = "previousKeyIDs";
inline constexpr size_t kMaxPreviousKeyIds = 8;
inline constexpr char kSecretCloud[] = "cloud";
inline constexpr char kSecretAuthUrl[] = "auth-url";
inline constexpr char kSecretRegion[] = "region";
inline constexpr char kSecretAppCredId[] = "application-credential-id";
inline constexpr char kSecretAppCredName[] = "application-credential-name";
inline constexpr char kSecretAppCredSecret[] = "application-credential-secret";
inline constexpr char kSecretUsername[] = "username";
inline constexpr char kSecretUserId[] = "user-id";
inline constexpr char kSecretUserDomainName[] = "user-domain-name";
inline constexpr char kSecretUserDomainId[] = "user-domain-id";

// A tenant's own OpenStack credential from a Secret: always an application credential.
// `cloud`, `auth_url` and `region` only choose among what the operator's cloud.conf allows
// (see CloudAccess::ForSecret); a Secret can never borrow the credentials of a cloud.conf
// section. Move-only: the application credential secret is SecureBytes.
struct TenantCredential {
  std::string cloud;     // [Global "name"] whose endpoint settings are used; "": [Global]
  std::string auth_url;  // "": the section's; otherwise must be on its tenant-auth-urls list
  std::string region;    // "": the section's
  std::string application_credential_id;
  std::string application_credential_name;
  SecureBytes application_credential_secret;
  std::string username, user_id, user_domain_name, user_domain_id;  // for a credential by name
};

// A CSI request's Secret, parsed once at the CSI edge; the rest of the driver takes this
// value and never reads the raw map.
struct RequestSecret {
  std::optional<TenantCredential> credential;  // nullopt: the driver's own identity
  std::string key_id;  // the Barbican secret UUID that keyID names (UUID or href); "": none
  std::vector<std::string> previous_key_ids;  // UUIDs that previousKeyIDs names
};

// InvalidArgument names the Secret key that is wrong and why; values are never echoed
// (a Secret may hold anything, and messages become Kubernetes Events).
absl::StatusOr<RequestSecret> ParseRequestSecret(const std::map<std::string, std::string>& secrets);

template <typename Map>
absl::StatusOr<RequestSecret> ParseRequestSecretOf(const Map& secrets) {
  return ParseRequestSecret(std::map<std::string, std::string>(secrets.begin(), secrets.end()));
}

// A short, printable rendering of an untrusted value for a message: at most `max` bytes,
// anything outside printable ASCII replaced by '?', "..." when cut.
std::string Printable(std::string_view value, size_t max = 64);

}  // namespace byok::cloud
