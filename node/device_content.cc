#include "common/strings.h"
#include "node/device_probe.h"

namespace byok::node {

std::string DeviceContent::Describe() const {
  switch (kind) {
    case ContentKind::kBlank:
      return "no signature (blank)";
    case ContentKind::kLuks:
      return StrCat("a LUKS header (", type, ")");
    case ContentKind::kFilesystem:
      return StrCat("an ", type, " filesystem");
    case ContentKind::kPartitionTable:
      return StrCat("a ", type, " partition table");
    case ContentKind::kOther:
      return StrCat("a ", type.empty() ? "unrecognised" : type, " signature");
  }
  return "unknown content";
}

}  // namespace byok::node
