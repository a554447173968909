#include "csi/inflight.h"

#include "common/strings.h"

namespace byok::csi {

absl::Status AlreadyInProgress(std::string_view activity) {
  return absl::AbortedError(StrCat(activity, " is already in progress; retry"));
}

InflightGuard::InflightGuard(InflightTracker* tracker, std::string key)
    : tracker_(tracker), key_(std::move(key)) {}

InflightGuard::InflightGuard(InflightGuard&& other) noexcept
    : tracker_(other.tracker_), key_(std::move(other.key_)) {
  other.tracker_ = nullptr;
}

InflightGuard::~InflightGuard() {
  if (tracker_ != nullptr) tracker_->Release(key_);
}

std::optional<InflightGuard> InflightTracker::TryAcquire(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (!keys_.insert(key).second) return std::nullopt;
  return InflightGuard(this, key);
}

bool InflightTracker::IsInflight(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return keys_.contains(key);
}

void InflightTracker::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  keys_.erase(key);
}

}  // namespace byok::csi
