#include "node/mapping_name.h"

#include <openssl/sha.h>

#include "common/strings.h"

namespace byok::node {
namespace {

constexpr size_t kMaxPlainId = 96;  // dm names may have 127 characters

bool SafeForDmName(std::string_view id) {
  if (id.empty() || id.size() > kMaxPlainId || id.front() == '.') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string MappingName(std::string_view volume_id) {
  if (SafeForDmName(volume_id)) return StrCat("byok-", volume_id);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(volume_id.data()), volume_id.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "byok-h";
  for (int i = 0; i < 16; ++i) {
    name.push_back(kHex[digest[i] >> 4]);
    name.push_back(kHex[digest[i] & 0xf]);
  }
  return name;
}

std::string MapperPath(std::string_view mapping_name) {
  return StrCat("/dev/mapper/", mapping_name);
}

}  // namespace byok::node
