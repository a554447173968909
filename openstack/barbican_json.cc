#include "absl/strings/ascii.h"
#include "openstack/absl_compat.h"
#include "openstack/barbican.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {

std::string SecretMetadata::DefaultContentType() const {
  auto it = content_types.find("default");
  return it == content_types.end() ? std::string() : it->second;
}

namespace barbican {

bool IsUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(t[i]))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::string> ParseSecretRef(std::string_view ref) {
  std::string_view trimmed = StripWhitespace(ref);
  std::string id(trimmed);
  if (trimmed.find('/') != std::string_view::npos) {
    // ".../v1/secrets/<uuid>", possibly with a trailing slash.
    std::string path(trimmed.substr(0, trimmed.find_first_of("?#")));
    while (!path.empty() && path.back() == '/') path.pop_back();
    size_t at = path.rfind("/secrets/");
    id = at == std::string::npos ? std::string() : path.substr(at + 9);
  }
  if (!IsUuid(id)) {
    // The reference comes from a tenant's Secret or a Barbican reply: quote only a prefix.
    return absl::InvalidArgumentError(StrCat("secret reference \"", PrintablePrefix(trimmed, 120),
                                             "\" is neither a UUID nor a Barbican secret href "
                                             "(.../v1/secrets/<uuid>)"));
  }
  return ToLower(id);
}

SecretMetadata ParseSecretMetadata(const nlohmann::json& doc) {
  SecretMetadata m;
  m.secret_ref = json::String(doc, "secret_ref");
  m.id = LastPathSegment(m.secret_ref);
  m.name = json::String(doc, "name");
  m.status = json::String(doc, "status");
  m.secret_type = json::String(doc, "secret_type");
  m.algorithm = json::String(doc, "algorithm");
  m.bit_length = static_cast<int>(json::Int(doc, "bit_length"));
  m.mode = json::String(doc, "mode");
  m.expiration = json::String(doc, "expiration");
  m.created = json::String(doc, "created");
  m.creator_id = json::String(doc, "creator_id");
  m.content_types = json::StringMap(doc, "content_types");
  return m;
}

}  // namespace barbican
}  // namespace byok::openstack
