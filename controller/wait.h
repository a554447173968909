#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "openstack/cinder.h"

namespace byok::controller {

// Cinder works asynchronously: a create, attach or extend returns at once and the status
// changes later. These poll with a growing interval until the status is one of `done`.
//  - a status starting with "error" -> Internal with the status (the caller cleans up);
//  - the volume gone -> NotFound;
//  - `deadline` reached first -> DeadlineExceeded (callers answer ABORTED so the sidecar
//    retries and finds the operation further along).
absl::StatusOr<openstack::Volume> WaitForVolume(
    openstack::CinderClient& cinder, const std::string& id,
    std::initializer_list<std::string_view> done, absl::Time deadline,
    const std::function<bool(const openstack::Volume&)>& also = nullptr);
absl::StatusOr<openstack::Snapshot> WaitForSnapshot(openstack::CinderClient& cinder,
                                                    const std::string& id, absl::Time deadline);

// Polling interval for the n-th poll (0-based): 0.25 s doubling up to 2 s.
absl::Duration PollInterval(int attempt);

}  // namespace byok::controller
