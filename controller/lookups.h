#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "openstack/cinder.h"

namespace byok::controller {

// GET of a volume the caller named: NotFound says which volume, as the CSI spec wants
// NOT_FOUND to be actionable.
absl::StatusOr<openstack::Volume> GetNamedVolume(openstack::CinderClient& cinder,
                                                 const openstack::CallOptions& call,
                                                 const std::string& id);

// A failed list page: a starting_token Cinder no longer accepts (its marker was deleted) is
// ABORTED per the spec, so the caller restarts the listing; other errors pass through.
absl::Status ListPageError(const absl::Status& status, const std::string& starting_token);

// Why a volume in an error status got there, from Cinder's user messages (on a fresh short
// deadline: the caller's may be spent), for the caller's message.
std::string FaultOf(openstack::CinderClient& cinder, const std::string& id);

}  // namespace byok::controller
