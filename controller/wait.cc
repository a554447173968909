#include "controller/wait.h"

#include <algorithm>

#include "common/strings.h"

namespace byok::controller {

absl::Duration PollInterval(int attempt) {
  return std::min(absl::Milliseconds(250) * (1 << std::min(attempt, 3)), absl::Seconds(2));
}

namespace {

// How long before the deadline we give up polling, to still answer in time.
constexpr absl::Duration kReplyMargin = absl::Milliseconds(500);

template <typename T, typename Get>
absl::StatusOr<T> Poll(Get get, std::initializer_list<std::string_view> done, absl::Time deadline,
                       const std::function<bool(const T&)>& also, std::string_view what,
                       const std::string& id) {
  for (int attempt = 0;; ++attempt) {
    openstack::CallOptions call;
    call.deadline = deadline;
    absl::StatusOr<T> item = get(call);
    if (absl::IsUnavailable(item.status())) {
      // Cinder's API restarting or briefly unreachable does not stop what Cinder is doing:
      // keep polling until the deadline rather than failing (or cleaning up) a create that
      // is probably going fine.
      absl::Duration pause = PollInterval(attempt);
      if (absl::Now() + pause + kReplyMargin > deadline) {
        return absl::UnavailableError(StrCat("lost contact with Cinder while waiting for ", what,
                                             " ", id, " (", item.status().message(),
                                             "); the operation continues in Cinder"));
      }
      absl::SleepFor(pause);
      continue;
    }
    if (!item.ok()) return item.status();
    bool reached = std::find(done.begin(), done.end(), item->status) != done.end();
    if (reached && (!also || also(*item))) return item;
    if (StartsWith(item->status, "error")) {
      return absl::InternalError(
          StrCat("Cinder put ", what, " ", id, " into status ", item->status));
    }
    absl::Duration pause = PollInterval(attempt);
    if (absl::Now() + pause + kReplyMargin > deadline) {
      return absl::DeadlineExceededError(
          StrCat(what, " ", id, " is still ", item->status, "; the operation continues in Cinder"));
    }
    absl::SleepFor(pause);
  }
}

}  // namespace

absl::StatusOr<openstack::Volume> WaitForVolume(
    openstack::CinderClient& cinder, const std::string& id,
    std::initializer_list<std::string_view> done, absl::Time deadline,
    const std::function<bool(const openstack::Volume&)>& also) {
  return Poll<openstack::Volume>(
      [&](const openstack::CallOptions& call) { return cinder.GetVolume(call, id); }, done,
      deadline, also, "volume", id);
}

absl::StatusOr<openstack::Snapshot> WaitForSnapshot(openstack::CinderClient& cinder,
                                                    const std::string& id, absl::Time deadline) {
  return Poll<openstack::Snapshot>(
      [&](const openstack::CallOptions& call) { return cinder.GetSnapshot(call, id); },
      {"available"}, deadline, nullptr, "snapshot", id);
}

}  // namespace byok::controller
