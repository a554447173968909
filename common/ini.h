#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace byok {

// An INI document as gcfg (the Go library behind cinder-csi-plugin's cloud.conf) reads it:
// `[Section]` or `[Section "name"]` headers, `key = value` lines, `;` and `#` comments,
// optional double quotes around values. Section and key names are case-insensitive and kept
// lowercased; the order of sections and keys is preserved for diagnostics.
struct IniEntry {
  std::string key;    // lowercased
  std::string value;  // unquoted
  int line = 0;
};

struct IniSection {
  std::string name;     // lowercased, e.g. "global"
  std::string subname;  // as written, e.g. the "tenant-a" of [Global "tenant-a"]
  std::vector<IniEntry> entries;

  // The last value for `key`, or nullptr.
  const IniEntry* Find(std::string_view key) const;
};

struct IniDocument {
  std::vector<IniSection> sections;

  // The first section with this name and subname, or nullptr.
  const IniSection* Find(std::string_view name, std::string_view subname = "") const;
};

// Parses `text`; errors name the line number and what was wrong with it.
absl::StatusOr<IniDocument> ParseIni(std::string_view text);

}  // namespace byok
