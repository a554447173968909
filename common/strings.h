#pragma once

// Small string helpers over std::string_view.
//
// Debian bookworm's abseil (20220623) is built with its own absl::string_view, a distinct
// type from std::string_view, so absl::StrCat, StrSplit, StripAsciiWhitespace and friends do
// not accept std::string_view arguments. These helpers keep the project on std types.
#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace byok {

namespace strings_internal {

inline void AppendOne(std::string* out, std::string_view s) { out->append(s); }
inline void AppendOne(std::string* out, const char* s) { out->append(s == nullptr ? "" : s); }
inline void AppendOne(std::string* out, const std::string& s) { out->append(s); }
inline void AppendOne(std::string* out, absl::string_view s) { out->append(s.data(), s.size()); }
inline void AppendOne(std::string* out, char c) { out->push_back(c); }
inline void AppendOne(std::string* out, bool b) { out->append(b ? "true" : "false"); }
template <typename T>
requires(std::is_arithmetic_v<T> && !std::same_as<T, bool> &&
         !std::same_as<T, char>) void AppendOne(std::string* out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    out->append(std::to_string(value));
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    out->append(buf, end);
  }
}

}  // namespace strings_internal

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::AppendOne(out, args), ...);
}

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  StrAppend(&out, args...);
  return out;
}

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix);
}
inline bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }
inline bool Contains(std::string_view s, std::string_view needle) {
  return s.find(needle) != std::string_view::npos;
}

std::string_view StripWhitespace(std::string_view s);
std::string_view StripTrailingWhitespace(std::string_view s);
std::string ToLower(std::string_view s);
// Splits on every `sep`; empty pieces are kept.
std::vector<std::string_view> Split(std::string_view s, char sep);

}  // namespace byok
