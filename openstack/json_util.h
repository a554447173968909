#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"

// Lenient accessors for OpenStack JSON: fields are often absent or null depending on the
// microversion, so accessors return defaults instead of throwing.
namespace byok::openstack::json {

// Parses a response body; InvalidArgument naming `what` if it is not JSON.
absl::StatusOr<nlohmann::json> Parse(std::string_view body, std::string_view what);

// obj[key] if obj is an object holding a `key` that is not null, else nullptr.
const nlohmann::json* Find(const nlohmann::json& obj, std::string_view key);

std::string String(const nlohmann::json& obj, std::string_view key, std::string_view def = "");
int64_t Int(const nlohmann::json& obj, std::string_view key, int64_t def = 0);
bool Bool(const nlohmann::json& obj, std::string_view key, bool def = false);
// A string->string map; non-string values are dumped as JSON text.
std::map<std::string, std::string> StringMap(const nlohmann::json& obj, std::string_view key);
std::vector<std::string> StringList(const nlohmann::json& obj, std::string_view key);

// A JSON document serialized to bytes, for request bodies without secrets.
SecureBytes Body(const nlohmann::json& doc);

// Serializes `doc`, in which exactly one string value equals kSecretPlaceholder, with that
// value replaced by `secret` (escaped). The secret never passes through a std::string.
inline constexpr std::string_view kSecretPlaceholder = "\x01secret\x01";
SecureBytes BodyWithSecret(const nlohmann::json& doc, std::string_view secret);

// Appends `text` as a JSON string literal (quoted, escaped). Used to build bodies holding
// secrets without a std::string copy of them.
void AppendString(SecureBytes& out, std::string_view text);

}  // namespace byok::openstack::json
