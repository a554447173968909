#include "openstack/microversion.h"

#include "openstack/absl_compat.h"

namespace byok::openstack {

absl::StatusOr<Microversion> Microversion::Parse(std::string_view text) {
  std::string_view trimmed = StripWhitespace(text);
  size_t dot = trimmed.find('.');
  Microversion v;
  if (dot == std::string_view::npos || !ParseInt(trimmed.substr(0, dot), &v.major) ||
      !ParseInt(trimmed.substr(dot + 1), &v.minor) || v.major < 0 || v.minor < 0) {
    return absl::InvalidArgumentError(
        StrCat("invalid microversion \"", text, "\": want MAJOR.MINOR, e.g. 3.53"));
  }
  return v;
}

std::string Microversion::ToString() const { return StrCat(major, ".", minor); }

}  // namespace byok::openstack
