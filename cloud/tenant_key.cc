// FetchTenantKey: the pre-flight checks on a tenant's Barbican key, with messages written
// for the tenant who has to fix them.
#include "cloud/cloud_access.h"
#include "cloud/key_stats.h"
#include "common/strings.h"
#include "envelope/key_wrap.h"
#include "openstack/errors.h"

namespace byok::cloud {
namespace {

// Barbican unreachable or too slow says nothing about the key: keep the code (retryable) and
// name the key and where it came from, so the event a tenant reads is not just a URL.
absl::Status NotReached(const absl::Status& status, const std::string& id) {
  return openstack::WithMessage(
      status, StrCat("could not read Barbican key ", id, " (Secret key ", kSecretKeyId,
                     "): ", status.message(), "; retry when Barbican answers"));
}

// The checks of FetchTenantKey; a key Barbican does not know is NotFound.
absl::StatusOr<SecureBytes> FetchKey(const Clients& clients, const std::string& key_id,
                                     absl::Time deadline) {
  openstack::CallOptions call;
  call.deadline = deadline;
  // Callers pass the UUID that ParseRequestSecret took from keyID; anything else is a bug
  // and must not reach a URL path.
  if (!openstack::barbican::IsUuid(key_id)) {
    return absl::InternalError("FetchTenantKey: the key ID is not a UUID");
  }
  const std::string* id = &key_id;
  auto meta = clients.barbican->GetSecret(call, *id);
  if (!meta.ok()) {
    if (absl::IsNotFound(meta.status())) {
      return absl::NotFoundError(StrCat("Barbican key ", *id, " (Secret key ", kSecretKeyId,
                                        ") does not exist or has expired"));
    }
    if (absl::IsPermissionDenied(meta.status()) || absl::IsUnauthenticated(meta.status())) {
      return absl::PermissionDeniedError(StrCat(
          clients.identity, " may not read Barbican key ", *id, " (Secret key ", kSecretKeyId, ")",
          clients.tenant ? "; check that the application credential's project owns the key"
                         : "; the key's owner must grant the driver's user a read ACL "
                           "(openstack acl user add --operation-type read ...) or put "
                           "tenant credentials in the Secret"));
    }
    return NotReached(meta.status(), *id);
  }
  std::vector<std::string> problems;
  if (meta->secret_type != "symmetric") {
    problems.push_back(StrCat("secret_type is \"", meta->secret_type, "\", not \"symmetric\""));
  }
  if (ToLower(meta->algorithm) != "aes") {
    problems.push_back(StrCat("algorithm is \"", meta->algorithm, "\", not \"aes\""));
  }
  if (meta->bit_length != 256) {
    problems.push_back(StrCat("bit_length is ", meta->bit_length, ", not 256"));
  }
  std::string content_type = meta->DefaultContentType();
  if (content_type != "application/octet-stream") {
    problems.push_back(
        StrCat("payload content type is \"", content_type, "\", not \"application/octet-stream\""));
  }
  if (!meta->status.empty() && meta->status != "ACTIVE") {
    problems.push_back(StrCat("status is ", meta->status, ", not ACTIVE"));
  }
  if (!problems.empty()) {
    std::string joined;
    for (const std::string& p : problems) StrAppend(&joined, joined.empty() ? "" : "; ", p);
    return absl::InvalidArgumentError(StrCat(
        "Barbican key ", *id, " (Secret key ", kSecretKeyId, ") cannot be a volume key: ", joined,
        " (store it with --secret-type symmetric --algorithm aes --bit-length 256 "
        "--payload-content-type application/octet-stream)"));
  }
  auto payload = clients.barbican->GetPayload(call, *id);
  if (!payload.ok()) {
    if (absl::IsPermissionDenied(payload.status())) {
      return absl::PermissionDeniedError(
          StrCat(clients.identity, " may read Barbican key ", *id,
                 "'s metadata but not its payload; grant a read ACL on the secret"));
    }
    return NotReached(payload.status(), *id);
  }
  if (payload->size() != envelope::kKekBytes) {
    return absl::InvalidArgumentError(StrCat("Barbican key ", *id, " payload has ", payload->size(),
                                             " bytes; a 256-bit key has 32"));
  }
  return payload;
}

// FetchKey, timed for byok_key_fetch_seconds.
absl::StatusOr<SecureBytes> TimedFetchKey(const Clients& clients, const std::string& key_id,
                                          absl::Time deadline) {
  const absl::Time start = absl::Now();
  auto key = FetchKey(clients, key_id, deadline);
  KeyStats::Process().ObserveKeyFetch(absl::Now() - start);
  return key;
}

}  // namespace

absl::StatusOr<SecureBytes> FetchTenantKey(const Clients& clients, const std::string& key_id,
                                           absl::Time deadline) {
  auto key = TimedFetchKey(clients, key_id, deadline);
  if (absl::IsNotFound(key.status())) return absl::InvalidArgumentError(key.status().message());
  return key;
}

absl::StatusOr<SecureBytes> FetchBoundKey(const Clients& clients, const std::string& key_id,
                                          const std::string& bound, absl::Time deadline) {
  auto key = TimedFetchKey(clients, key_id, deadline);
  if (absl::IsNotFound(key.status())) {
    return absl::FailedPreconditionError(StrCat(
        bound, " is bound to Barbican key ", key_id, " (Secret key ", kSecretKeyId,
        "), which was deleted or has expired: its data key cannot be unwrapped without it, and "
        "nothing on the volume was changed"));
  }
  if (!key.ok()) return openstack::Annotate(key.status(), bound);
  return key;
}

}  // namespace byok::cloud
