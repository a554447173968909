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

std::string FaultOf(openstack::CinderClient& cinder, const std::string& id) {
  openstack::CallOptions call;
  call.deadline = absl::Now() + absl::Seconds(10);
  auto messages = cinder.ListMessages(call, id);
  if (!messages.ok() || messages->empty()) return "no reason recorded by Cinder";
  return messages->back().user_message;
}

}  // namespace byok::controller
