#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"
#include "openstack/call_options.h"

// Barbican key manager API v1: the tenant's BYOK secrets.
namespace byok::openstack {

struct SecretMetadata {
  std::string id;
  std::string secret_ref;  // the href Barbican reports
  std::string name;
  std::string status;       // ACTIVE, ERROR, PENDING
  std::string secret_type;  // symmetric, passphrase, opaque, ...
  std::string algorithm;
  int bit_length = 0;
  std::string mode;
  std::string expiration;  // "" when it never expires
  std::string created;
  std::string creator_id;
  std::map<std::string, std::string> content_types;  // "default" -> stored type

  // The default content type; key payloads must be application/octet-stream (a text/plain
  // secret comes back as a str in castellan and breaks Nova's hexlify).
  std::string DefaultContentType() const;
};

struct SecretConsumer {
  std::string service;        // e.g. "volume"
  std::string resource_type;  // e.g. "volume"
  std::string resource_id;
  bool operator==(const SecretConsumer&) const = default;
};

class BarbicanClient {
 public:
  virtual ~BarbicanClient() = default;
  // `ref` is a secret UUID or its href; only the UUID is used, always against the
  // configured Barbican (a href never redirects our token to another host).
  // 404 -> NotFound (missing or expired), 403 -> PermissionDenied.
  virtual absl::StatusOr<SecretMetadata> GetSecret(const CallOptions& o,
                                                   const std::string& ref) = 0;
  // The raw payload bytes (Accept: application/octet-stream).
  virtual absl::StatusOr<SecureBytes> GetPayload(const CallOptions& o, const std::string& ref) = 0;
  virtual absl::Status DeleteSecret(const CallOptions& o, const std::string& ref) = 0;
  // Secret consumers (key-manager microversion 1.1, Barbican >= Wallaby). Unimplemented
  // when the server does not offer them.
  virtual absl::Status RegisterConsumer(const CallOptions& o, const std::string& ref,
                                        const SecretConsumer& consumer) = 0;
  virtual absl::Status UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                          const SecretConsumer& consumer) = 0;
};

namespace barbican {

// The UUID of a secret given as a UUID or as ".../v1/secrets/<uuid>"; InvalidArgument
// otherwise.
absl::StatusOr<std::string> ParseSecretRef(std::string_view ref);
bool IsUuid(std::string_view text);
SecretMetadata ParseSecretMetadata(const nlohmann::json& doc);

}  // namespace barbican
}  // namespace byok::openstack
