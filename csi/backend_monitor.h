#pragma once

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace byok::csi {

// Watches whether a backend the plugin needs (the driver's OpenStack identity) answers, in a
// background thread: quickly while failing, slowly once it passes. It never decides whether
// the process is alive: CSI's Probe feeds the livenessprobe sidecar, and restarting the
// plugin because Keystone is down fixes nothing. What it finds goes to the log (once per
// change) and to whoever `on_change` tells (the metrics endpoint).
class BackendMonitor {
 public:
  using Check = std::function<absl::Status()>;
  using OnChange = std::function<void(bool reachable)>;

  // `name` appears in the log lines ("the driver's OpenStack identity").
  BackendMonitor(std::string name, Check check, absl::Duration retry_interval,
                 absl::Duration refresh_interval, OnChange on_change = nullptr);
  ~BackendMonitor();
  BackendMonitor(const BackendMonitor&) = delete;
  BackendMonitor& operator=(const BackendMonitor&) = delete;

  // OK when the last check passed; otherwise why not (or "not checked yet").
  absl::Status Current() const;
  // Blocks until the first check finished or `timeout` passed (start-up and tests).
  bool WaitForFirstResult(absl::Duration timeout) const;

 private:
  void Loop();
  void Record(absl::Status result);

  std::string name_;
  Check check_;
  absl::Duration retry_interval_;
  absl::Duration refresh_interval_;
  OnChange on_change_;
  mutable absl::Mutex mu_;
  absl::Status current_ ABSL_GUARDED_BY(mu_);
  bool checked_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace byok::csi
