#pragma once

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace byok::csi {

// Answers "is the plugin ready?" without blocking: Probe must answer within seconds while the
// real check (authenticating to Keystone) may take longer or hang. A background thread runs
// the check, quickly while failing and slowly once it passes, and Probe reads the cached
// result.
class Readiness {
 public:
  using Check = std::function<absl::Status()>;

  // With no check the plugin is always ready (the node plugin needs no cloud to start).
  Readiness();
  Readiness(Check check, absl::Duration retry_interval, absl::Duration refresh_interval);
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // OK when ready; otherwise why not (the last check's error, or "not checked yet").
  absl::Status Current() const;
  // Blocks until the first check finished or `timeout` passed (start-up and tests).
  bool WaitForFirstResult(absl::Duration timeout) const;

 private:
  void Loop();

  Check check_;
  absl::Duration retry_interval_;
  absl::Duration refresh_interval_;
  mutable absl::Mutex mu_;
  absl::Status current_ ABSL_GUARDED_BY(mu_);
  bool checked_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace byok::csi
