#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

#include "absl/strings/string_view.h"
#include "common/strings.h"

// Debian's abseil has its own absl::string_view (not std::string_view; see
// common/strings.h), so std::string_view arguments to absl functions go through AsAbsl().
namespace byok::openstack {

inline absl::string_view AsAbsl(std::string_view s) { return {s.data(), s.size()}; }

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// A whole-string decimal integer.
template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  text = StripWhitespace(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace byok::openstack
