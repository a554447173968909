#include "openstack/json_util.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "openstack/absl_compat.h"

namespace byok::openstack::json {
namespace {

// Whether the text nests arrays and objects deeper than `max_depth`, found by counting
// brackets outside strings, before nlohmann builds anything. For valid JSON the count is the
// nesting; for invalid JSON it is at least the nesting nlohmann reaches before it fails
// (brackets it would read as structure are counted), so the bound holds for both.
bool TextNestedDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Whether a document nests deeper than `max_depth` (a scalar is 0, [] is 1), walked with an
// explicit stack: a recursive walk would be the stack overflow it guards against.
bool NestedDeeperThan(const nlohmann::json& root, int max_depth) {
  std::vector<std::pair<const nlohmann::json*, int>> pending = {{&root, 0}};
  while (!pending.empty()) {
    auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (depth + 1 > max_depth) return true;
    for (const nlohmann::json& child : *value) pending.push_back({&child, depth + 1});
  }
  return false;
}

}  // namespace

absl::StatusOr<nlohmann::json> Parse(std::string_view body, std::string_view what) {
  if (TextNestedDeeperThan(body, kMaxDepth)) {
    return absl::InvalidArgumentError(
        StrCat(what, ": response nested deeper than ", kMaxDepth, " levels"));
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(
        StrCat(what, ": response is not valid JSON (", body.size(), " bytes)"));
  }
  return doc;
}

const nlohmann::json* Find(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string String(const nlohmann::json& obj, std::string_view key, std::string_view def) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return std::string(def);
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  return std::string(def);
}

int64_t Int(const nlohmann::json& obj, std::string_view key, int64_t def) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return def;
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? def
                                                                          : static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    // A service may send 1e300 or NaN; converting those to an integer is undefined behaviour,
    // so anything outside int64's range is treated as absent.
    const double d = v->get<double>();
    constexpr double kLimit = 9223372036854775808.0;  // 2^63
    if (!std::isfinite(d) || d >= kLimit || d < -kLimit) return def;
    return static_cast<int64_t>(d);
  }
  if (v->is_string()) {
    // Some services quote numbers (e.g. sizes in older Cinder views).
    int64_t out = def;
    try {
      size_t used = 0;
      std::string s = v->get<std::string>();
      out = std::stoll(s, &used);
      if (used != s.size()) out = def;
    } catch (...) {
      out = def;
    }
    return out;
  }
  return def;
}

bool Bool(const nlohmann::json& obj, std::string_view key, bool def) {
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr) return def;
  if (v->is_boolean()) return v->get<bool>();
  // Cinder's "bootable" is the string "true"/"false".
  if (v->is_string()) {
    std::string s = v->get<std::string>();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  return def;
}

std::map<std::string, std::string> StringMap(const nlohmann::json& obj, std::string_view key) {
  std::map<std::string, std::string> out;
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr || !v->is_object()) return out;
  for (const auto& [k, value] : v->items()) {
    if (value.is_string()) {
      out[k] = value.get<std::string>();
    } else if (!NestedDeeperThan(value, kMaxDepth)) {
      // dump() recurses once per level. Documents from Parse are bounded already; this
      // bounds the ones built elsewhere (fakes, callers' own documents) as well.
      out[k] = value.dump();
    }
  }
  return out;
}

std::vector<std::string> StringList(const nlohmann::json& obj, std::string_view key) {
  std::vector<std::string> out;
  const nlohmann::json* v = Find(obj, key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : *v) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

SecureBytes Body(const nlohmann::json& doc) {
  return SecureBytes::FromView(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

SecureBytes BodyWithSecret(const nlohmann::json& doc, std::string_view secret) {
  std::string serialized = doc.dump();
  // The placeholder's control characters are escaped by dump().
  const std::string quoted = nlohmann::json(std::string(kSecretPlaceholder)).dump();
  size_t at = serialized.find(quoted);
  SecureBytes out;
  if (at == std::string::npos) return SecureBytes::FromView(serialized);
  out.Append(std::string_view(serialized).substr(0, at));
  AppendString(out, secret);
  out.Append(std::string_view(serialized).substr(at + quoted.size()));
  return out;
}

void AppendString(SecureBytes& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.Append("\"");
  for (char c : text) {
    switch (c) {
      case '"':
        out.Append("\\\"");
        break;
      case '\\':
        out.Append("\\\\");
        break;
      case '\n':
        out.Append("\\n");
        break;
      case '\r':
        out.Append("\\r");
        break;
      case '\t':
        out.Append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[6] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
          out.Append(std::string_view(esc, sizeof(esc)));
        } else {
          out.Append(std::string_view(&c, 1));
        }
    }
  }
  out.Append("\"");
}

}  // namespace byok::openstack::json
