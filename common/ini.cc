#include "common/ini.h"

#include "common/strings.h"

namespace byok {
namespace {

absl::StatusOr<std::string> Unquote(std::string_view raw, int line) {
  std::string_view value = StripWhitespace(raw);
  if (value.empty() || value.front() != '"') {
    // An unquoted value ends at an inline comment.
    size_t comment = value.find_first_of(";#");
    if (comment != std::string_view::npos) {
      value = StripTrailingWhitespace(value.substr(0, comment));
    }
    return std::string(value);
  }
  std::string out;
  size_t i = 1;
  for (; i < value.size() && value[i] != '"'; ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      char next = value[++i];
      out.push_back(next == 'n' ? '\n' : next == 't' ? '\t' : next);
    } else {
      out.push_back(value[i]);
    }
  }
  if (i >= value.size()) {
    return absl::InvalidArgumentError(StrCat("line ", line, ": unterminated quoted value"));
  }
  std::string_view rest = StripWhitespace(value.substr(i + 1));
  if (!rest.empty() && rest.front() != ';' && rest.front() != '#') {
    return absl::InvalidArgumentError(
        StrCat("line ", line, ": unexpected text after quoted value"));
  }
  return out;
}

}  // namespace

const IniEntry* IniSection::Find(std::string_view key) const {
  std::string lowered = ToLower(key);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->key == lowered) return &*it;
  }
  return nullptr;
}

const IniSection* IniDocument::Find(std::string_view name, std::string_view subname) const {
  std::string lowered = ToLower(name);
  for (const IniSection& s : sections) {
    if (s.name == lowered && s.subname == subname) return &s;
  }
  return nullptr;
}

absl::StatusOr<IniDocument> ParseIni(std::string_view text) {
  IniDocument doc;
  int line_no = 0;
  for (std::string_view raw : Split(text, '\n')) {
    ++line_no;
    std::string_view line = StripWhitespace(raw);
    if (line.empty() || line.front() == ';' || line.front() == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return absl::InvalidArgumentError(
            StrCat("line ", line_no, ": section header is missing its closing ']'"));
      }
      std::string_view inner = StripWhitespace(line.substr(1, line.size() - 2));
      IniSection section;
      size_t quote = inner.find('"');
      if (quote != std::string_view::npos) {
        if (inner.back() != '"' || inner.size() - 1 == quote) {
          return absl::InvalidArgumentError(
              StrCat("line ", line_no, ": malformed subsection name"));
        }
        section.subname = std::string(inner.substr(quote + 1, inner.size() - quote - 2));
        inner = StripTrailingWhitespace(inner.substr(0, quote));
      }
      if (inner.empty()) {
        return absl::InvalidArgumentError(StrCat("line ", line_no, ": empty section name"));
      }
      section.name = ToLower(inner);
      doc.sections.push_back(std::move(section));
      continue;
    }
    if (doc.sections.empty()) {
      return absl::InvalidArgumentError(StrCat("line ", line_no, ": key outside of any [section]"));
    }
    size_t eq = line.find('=');
    std::string_view key = StripWhitespace(line.substr(0, eq));
    if (key.empty()) {
      return absl::InvalidArgumentError(StrCat("line ", line_no, ": missing key before '='"));
    }
    IniEntry entry;
    entry.key = ToLower(key);
    entry.line = line_no;
    if (eq == std::string_view::npos) {
      entry.value = "true";  // gcfg treats a bare key as a true boolean.
    } else {
      absl::StatusOr<std::string> value = Unquote(line.substr(eq + 1), line_no);
      if (!value.ok()) return value.status();
      entry.value = *std::move(value);
    }
    doc.sections.back().entries.push_back(std::move(entry));
  }
  return doc;
}

}  // namespace byok
