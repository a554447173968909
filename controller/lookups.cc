#include "controller/lookups.h"

#include "common/strings.h"

namespace byok::controller {

absl::StatusOr<openstack::Volume> GetNamedVolume(openstack::CinderClient& cinder,
                                                 const openstack::CallOptions& call,
                                                 const std::string& id) {
  auto volume = cinder.GetVolume(call, id);
  if (absl::IsNotFound(volume.status())) {
    return absl::NotFoundError(StrCat("volume ", id, " not found"));
  }
  return volume;
}

absl::Status ListPageError(const absl::Status& status, const std::string& starting_token) {
  if (!starting_token.empty() && (absl::IsInvalidArgument(status) || absl::IsNotFound(status))) {
    return absl::AbortedError(
        StrCat("starting_token ", starting_token, " is not valid (any more)"));
  }
  return status;
}

}  // namespace byok::controller
