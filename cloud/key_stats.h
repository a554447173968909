#pragma once

// What happened to tenant keys in this process: rotations, failures to unlock a volume's data
// key by reason, and how long reading a key from Barbican took. Counted here, below the
// metrics layer (as openstack::HttpStats is), and exported by cmd/ as byok_key_* metrics.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace byok::cloud {

// Why the node could not unlock a volume (NodeStageVolume).
enum class UnlockFailure {
  kWrongKey,      // the Secret names another key, or the key does not unwrap the data key
  kKeyGone,       // the volume's key was deleted or has expired
  kAccessDenied,  // the identity may not read the key
  kBarbicanDown,  // Barbican did not answer (retryable)
  kOther,
};
inline constexpr int kUnlockFailureKinds = 5;
std::string_view UnlockFailureLabel(UnlockFailure reason);

class KeyStats {
 public:
  // Upper bounds (seconds) of the key-fetch latency histogram.
  static constexpr std::array<double, 8> kFetchBuckets = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  struct Counts {
    int64_t rotations_ok = 0;
    int64_t rotations_failed = 0;
    std::array<int64_t, kUnlockFailureKinds> unlock_failures{};
    std::array<int64_t, kFetchBuckets.size()> fetch_buckets{};  // not cumulative
    int64_t fetches = 0;
    double fetch_seconds = 0;
  };

  // The process's counts (one driver per process).
  static KeyStats& Process();

  void CountRotation(bool ok);
  void CountUnlockFailure(UnlockFailure reason);
  void ObserveKeyFetch(absl::Duration took);
  Counts Snapshot() const;

 private:
  mutable absl::Mutex mu_;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::cloud
