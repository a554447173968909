#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace byok::openstack {

// An OpenStack API microversion such as "3.53" (major.minor, compared numerically, so
// 3.9 < 3.53). Strings are kept in requests because services echo them back verbatim.
struct Microversion {
  int major = 0;
  int minor = 0;

  static absl::StatusOr<Microversion> Parse(std::string_view text);
  std::string ToString() const;
  auto operator<=>(const Microversion&) const = default;
};

}  // namespace byok::openstack
