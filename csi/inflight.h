#pragma once

#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace byok::csi {

class InflightTracker;

// The answer when TryAcquire finds `activity` (e.g. "an operation on volume X") running:
// ABORTED, which the CSI spec reserves for this and on which sidecars and kubelet retry.
absl::Status AlreadyInProgress(std::string_view activity);

// Marks one operation on one key (a volume ID, a volume name, volume+node) as running
// until destroyed.
class [[nodiscard]] InflightGuard {
 public:
  InflightGuard(InflightGuard&& other) noexcept;
  InflightGuard& operator=(InflightGuard&&) = delete;
  InflightGuard(const InflightGuard&) = delete;
  ~InflightGuard();

 private:
  friend class InflightTracker;
  InflightGuard(InflightTracker* tracker, std::string key);
  InflightTracker* tracker_;
  std::string key_;
};

// The CSI spec lets a plugin answer ABORTED when an operation is already pending for the same
// volume; the caller retries with backoff. Sidecars and kubelet do retry, so refusing the
// second call is both safe and simpler than queueing it behind a call that may take minutes.
class InflightTracker {
 public:
  // nullopt when `key` is already in flight.
  std::optional<InflightGuard> TryAcquire(const std::string& key);
  bool IsInflight(const std::string& key) const;

 private:
  friend class InflightGuard;
  void Release(const std::string& key);
  mutable absl::Mutex mu_;
  std::set<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::csi
