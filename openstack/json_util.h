#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"

// Lenient accessors for OpenStack JSON: fields are often absent or null depending on the
// microversion, so accessors return defaults instead of throwing.
namespace byok::openstack::json {

// How deeply arrays and objects may nest in a response. OpenStack documents nest a handful of
// levels (a Keystone token with its catalog: 5); nlohmann's dump(), copies and comparisons
// recurse once per level, so a hostile body nested 100000 deep would exhaust the stack.
inline constexpr int kMaxDepth = 64;

// Parses a response body; InvalidArgument naming `what` if it is not JSON, or if it nests
// deeper than kMaxDepth (refused before anything is built). Every response body is parsed
// here, so documents from the services are bounded in one place.
absl::StatusOr<nlohmann::json> Parse(std::string_view body, std::string_view what);

// obj[key] if obj is an object holding a `key` that is not null, else nullptr.
const nlohmann::json* Find(const nlohmann::json& obj, std::string_view key);

std::string String(const nlohmann::json& obj, std::string_view key, std::string_view def = "");
int64_t Int(const nlohmann::json& obj, std::string_view key, int64_t def = 0);
bool Bool(const nlohmann::json& obj, std::string_view key, bool def = false);
// A string->string map; non-string values are dumped as JSON text, except values nested
// deeper than kMaxDepth, which are left out.
std::map<std::string, std::string> StringMap(const nlohmann::json& obj, std::string_view key);
std::vector<std::string> StringList(const nlohmann::json& obj, std::string_view key);

// The items of the array obj[key], each converted by `parse`; empty when there is no such
// array.
template <typename Parse>
auto Items(const nlohmann::json& obj, std::string_view key, Parse parse)
    -> std::vector<std::invoke_result_t<Parse&, const nlohmann::json&>> {
  std::vector<std::invoke_result_t<Parse&, const nlohmann::json&>> out;
  if (const nlohmann::json* list = Find(obj, key); list != nullptr && list->is_array()) {
    for (const nlohmann::json& item : *list) out.push_back(parse(item));
  }
  return out;
}

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
