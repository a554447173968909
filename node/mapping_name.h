#pragma once

#include <string>
#include <string_view>

namespace byok::node {

// The device-mapper name of a volume's dm-crypt mapping: "byok-<volume id>". Derived from the
// volume ID alone, so NodeUnstageVolume (which carries no secrets and no volume context) and a
// restarted plugin find the mapping without any local state. IDs with characters that are not
// safe in a dm name (or longer than a UUID-ish bound) map to "byok-h<sha256 prefix>".
std::string MappingName(std::string_view volume_id);

// "/dev/mapper/<name>".
std::string MapperPath(std::string_view mapping_name);

}  // namespace byok::node
