// ParseRequestSecret: the one reader of a CSI request's Secret map.
#include "cloud/request_secret.h"

#include "common/strings.h"
#include "openstack/barbican.h"

namespace byok::cloud {
namespace {

using SecretMap = std::map<std::string, std::string>;

// An empty value counts as absent: Kubernetes templates render missing data as "".
const std::string* Get(const SecretMap& secrets, std::string_view key) {
  auto it = secrets.find(std::string(key));
  return it == secrets.end() || it->second.empty() ? nullptr : &it->second;
}

std::string Value(const SecretMap& secrets, std::string_view key) {
  const std::string* v = Get(secrets, key);
  return v == nullptr ? "" : *v;
}

absl::StatusOr<std::string> ParseKeyId(const SecretMap& secrets) {
  const std::string* ref = Get(secrets, kSecretKeyId);
  if (ref == nullptr) return std::string();
  // Only the UUID is kept: the key is always fetched from the catalog's Barbican, so an href
  // cannot point the driver at another host.
  auto id = openstack::barbican::ParseSecretRef(*ref);
  if (!id.ok()) {
    return absl::InvalidArgumentError(
        StrCat("Secret key ", kSecretKeyId,
               " is neither a Barbican secret UUID nor a secret href (.../v1/secrets/<uuid>)"));
  }
  return *id;
}

absl::StatusOr<std::vector<std::string>> ParsePreviousKeyIds(const SecretMap& secrets) {
  std::vector<std::string> ids;
  const std::string* list = Get(secrets, kSecretPreviousKeyIds);
  if (list == nullptr) return ids;
  std::string normalized = *list;
  for (char& c : normalized) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') c = ',';
  }
  int position = 0;
  for (std::string_view entry : Split(normalized, ',')) {
    if (entry.empty()) continue;
    ++position;
    if (ids.size() == kMaxPreviousKeyIds) {
      return absl::InvalidArgumentError(StrCat("Secret key ", kSecretPreviousKeyIds,
                                               " lists more than ", kMaxPreviousKeyIds, " keys"));
    }
    auto id = openstack::barbican::ParseSecretRef(entry);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          StrCat("Secret key ", kSecretPreviousKeyIds, ": entry ", position,
                 " is neither a Barbican secret UUID nor a secret href (.../v1/secrets/<uuid>)"));
    }
    ids.push_back(*std::move(id));
  }
  return ids;
}

bool HasAny(const SecretMap& secrets, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (Get(secrets, key) != nullptr) return true;
  }
  return false;
}

absl::StatusOr<std::optional<TenantCredential>> ParseCredential(const SecretMap& secrets) {
  const bool has_credential =
      HasAny(secrets, {kSecretAppCredId, kSecretAppCredName, kSecretAppCredSecret});
  if (!has_credential) {
    if (HasAny(secrets, {kSecretCloud, kSecretAuthUrl, kSecretRegion})) {
      return absl::InvalidArgumentError(
          StrCat("the Secret sets ", kSecretCloud, ", ", kSecretAuthUrl, " or ", kSecretRegion,
                 " but carries no application credential: these keys only say where a tenant's own "
                 "credential (",
                 kSecretAppCredId, " + ", kSecretAppCredSecret,
                 ") is used; the driver never lends the credentials of a cloud.conf section to a "
                 "Secret"));
    }
    return std::optional<TenantCredential>();
  }
  if (Get(secrets, kSecretAppCredSecret) == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("Secret key ", kSecretAppCredSecret, " is required with an application credential"));
  }
  if (!HasAny(secrets, {kSecretAppCredId, kSecretAppCredName})) {
    return absl::InvalidArgumentError(StrCat("Secret key ", kSecretAppCredId, " (or ",
                                             kSecretAppCredName, ") is required with ",
                                             kSecretAppCredSecret));
  }
  TenantCredential c;
  c.cloud = Value(secrets, kSecretCloud);
  c.auth_url = Value(secrets, kSecretAuthUrl);
  c.region = Value(secrets, kSecretRegion);
  c.application_credential_id = Value(secrets, kSecretAppCredId);
  c.application_credential_name = Value(secrets, kSecretAppCredName);
  c.application_credential_secret = SecureBytes::FromView(*Get(secrets, kSecretAppCredSecret));
  c.username = Value(secrets, kSecretUsername);
  c.user_id = Value(secrets, kSecretUserId);
  c.user_domain_name = Value(secrets, kSecretUserDomainName);
  c.user_domain_id = Value(secrets, kSecretUserDomainId);
  return std::optional<TenantCredential>(std::move(c));
}

}  // namespace

std::string Printable(std::string_view value, size_t max) {
  std::string out;
  for (char c : value.substr(0, max)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (value.size() > max) out += "...";
  return out;
}

absl::StatusOr<RequestSecret> ParseRequestSecret(const SecretMap& secrets) {
  RequestSecret out;
  auto key_id = ParseKeyId(secrets);
  if (!key_id.ok()) return key_id.status();
  out.key_id = *std::move(key_id);
  auto previous = ParsePreviousKeyIds(secrets);
  if (!previous.ok()) return previous.status();
  out.previous_key_ids = *std::move(previous);
  auto credential = ParseCredential(secrets);
  if (!credential.ok()) return credential.status();
  out.credential = *std::move(credential);
  return out;
}

}  // namespace byok::cloud
