#pragma once

// Small helpers shared by the fuzz targets: turning fuzz input into the shapes the parsers
// take (string maps, JSON documents) the way the driver itself receives them.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace byok::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// "key=value" lines; a line starting with "secret:" goes to `secrets` (without the prefix),
// the others to `params`. A line without '=' is a key with an empty value. The text form
// keeps the seed corpus readable and lets the fuzzer build arbitrary keys and values
// (including NULs, '=' in values, duplicates: the later one wins, as in a Go map decode).
inline void ParseKeyValueLines(std::string_view text, std::map<std::string, std::string>* params,
                               std::map<std::string, std::string>* secrets) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::map<std::string, std::string>* target = params;
    if (line.starts_with("secret:")) {
      line.remove_prefix(7);
      target = secrets;
    }
    size_t eq = line.find('=');
    std::string key(line.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1));
    (*target)[key] = value;
  }
}

}  // namespace byok::fuzz
