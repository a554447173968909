#include "cloud/key_stats.h"

namespace byok::cloud {

std::string_view UnlockFailureLabel(UnlockFailure reason) {
  switch (reason) {
    case UnlockFailure::kWrongKey:
      return "wrong_key";
    case UnlockFailure::kKeyGone:
      return "key_gone";
    case UnlockFailure::kAccessDenied:
      return "access_denied";
    case UnlockFailure::kBarbicanDown:
      return "barbican_down";
    case UnlockFailure::kOther:
      break;
  }
  return "other";
}

KeyStats& KeyStats::Process() {
  static KeyStats* stats = new KeyStats;
  return *stats;
}

void KeyStats::CountRotation(bool ok) {
  absl::MutexLock lock(&mu_);
  ++(ok ? counts_.rotations_ok : counts_.rotations_failed);
}

void KeyStats::CountUnlockFailure(UnlockFailure reason) {
  absl::MutexLock lock(&mu_);
  ++counts_.unlock_failures[static_cast<int>(reason)];
}

void KeyStats::ObserveKeyFetch(absl::Duration took) {
  const double seconds = absl::ToDoubleSeconds(took);
  absl::MutexLock lock(&mu_);
  ++counts_.fetches;
  counts_.fetch_seconds += seconds;
  for (size_t i = 0; i < kFetchBuckets.size(); ++i) {
    if (seconds <= kFetchBuckets[i]) {
      ++counts_.fetch_buckets[i];
      break;
    }
  }
}

KeyStats::Counts KeyStats::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace byok::cloud
