#include "openstack/testing/test_api.h"

#include <openssl/evp.h>

#include "openstack/json_util.h"

namespace byok::openstack {
namespace cinder {

std::map<std::string, QuotaUsage> ParseQuotaUsage(const nlohmann::json& doc) {
  std::map<std::string, QuotaUsage> out;
  const nlohmann::json* set = json::Find(doc, "quota_set");
  if (set == nullptr || !set->is_object()) return out;
  for (const auto& [key, value] : set->items()) {
    if (value.is_object()) {
      out[key] = {json::Int(value, "limit", -1), json::Int(value, "in_use"),
                  json::Int(value, "reserved"), json::Int(value, "allocated")};
    } else if (value.is_number_integer()) {  // without ?usage=True
      out[key].limit = value.get<int64_t>();
    }
  }
  return out;
}

VolumeType ParseVolumeType(const nlohmann::json& t) {
  VolumeType out;
  out.id = json::String(t, "id");
  out.name = json::String(t, "name");
  out.description = json::String(t, "description");
  out.is_public =
      json::Bool(t, "is_public", json::Bool(t, "os-volume-type-access:is_public", true));
  out.extra_specs = json::StringMap(t, "extra_specs");
  return out;
}

VolumeTypeEncryption ParseVolumeTypeEncryption(const nlohmann::json& doc) {
  // An unencrypted type answers {} (or an object without provider).
  const nlohmann::json* inner = json::Find(doc, "encryption");
  const nlohmann::json& e = inner ? *inner : doc;
  VolumeTypeEncryption out;
  out.volume_type_id = json::String(e, "volume_type_id");
  out.provider = json::String(e, "provider");
  out.cipher = json::String(e, "cipher");
  out.key_size = static_cast<int>(json::Int(e, "key_size"));
  out.control_location = json::String(e, "control_location");
  return out;
}

Attachment ParseAttachment(const nlohmann::json& a) {
  return {json::String(a, "id"), json::String(a, "volume_id"), json::String(a, "instance"),
          json::String(a, "status")};
}

}  // namespace cinder

namespace barbican {

SecureBytes Base64(std::string_view bytes) {
  SecureBytes out(4 * ((bytes.size() + 2) / 3) + 1);  // EVP_EncodeBlock writes a NUL
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  SecureBytes exact(out.data(), static_cast<size_t>(n));
  return exact;
}

SecureBytes StoreSecretBody(const StoreSecretRequest& r) {
  nlohmann::json doc = {{"secret_type", r.secret_type},
                        {"payload_content_type", "application/octet-stream"},
                        {"payload_content_encoding", "base64"},
                        {"payload", std::string(json::kSecretPlaceholder)}};
  if (!r.name.empty()) doc["name"] = r.name;
  if (!r.algorithm.empty()) doc["algorithm"] = r.algorithm;
  if (r.bit_length > 0) doc["bit_length"] = r.bit_length;
  if (!r.mode.empty()) doc["mode"] = r.mode;
  if (!r.expiration.empty()) doc["expiration"] = r.expiration;
  SecureBytes encoded = Base64(r.payload.view());
  return json::BodyWithSecret(doc, encoded.view());
}

}  // namespace barbican
}  // namespace byok::openstack
