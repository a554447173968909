#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/secure_bytes.h"

// The parts of the Cinder and Barbican APIs that only tests and the lab tools use: quotas,
// volume types, the attachments API and storing secrets. The driver's clients (cinder.h,
// barbican.h) leave them out; testing/test_clients.h calls them and the fakes (fake_*.h) take
// them as test controls. Library openstack_test_clients, never linked into the plugin.
namespace byok::openstack {

// GET /os-quota-sets/{project}?usage=True, per resource. -1 means unlimited.
struct QuotaUsage {
  int64_t limit = -1;
  int64_t in_use = 0;
  int64_t reserved = 0;
  int64_t allocated = 0;
};

struct VolumeType {
  std::string id;
  std::string name;
  std::string description;
  bool is_public = true;
  std::map<std::string, std::string> extra_specs;
};

// GET /types/{id}/encryption (admin only by default policy).
struct VolumeTypeEncryption {
  std::string volume_type_id;
  std::string provider;
  std::string cipher;
  int key_size = 0;
  std::string control_location;
  bool encrypted() const { return !provider.empty(); }
};

// An entry of the attachments API (GET /attachments, >= 3.27).
struct Attachment {
  std::string id;
  std::string volume_id;
  std::string instance;  // server id
  std::string status;
};

// A binary key stored as base64 application/octet-stream.
struct StoreSecretRequest {
  std::string name;
  SecureBytes payload;
  std::string secret_type = "symmetric";
  std::string algorithm = "aes";
  int bit_length = 256;
  std::string mode;        // optional, e.g. "xts"
  std::string expiration;  // optional, ISO 8601
};

namespace cinder {

std::map<std::string, QuotaUsage> ParseQuotaUsage(const nlohmann::json& doc);
VolumeType ParseVolumeType(const nlohmann::json& type);
VolumeTypeEncryption ParseVolumeTypeEncryption(const nlohmann::json& doc);
Attachment ParseAttachment(const nlohmann::json& attachment);

}  // namespace cinder

namespace barbican {

// The POST /v1/secrets body (base64 payload spliced in without a std::string copy).
SecureBytes StoreSecretBody(const StoreSecretRequest& request);
// Base64 (standard alphabet, padded) of `bytes`, as SecureBytes.
SecureBytes Base64(std::string_view bytes);

}  // namespace barbican
}  // namespace byok::openstack
