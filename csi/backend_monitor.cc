#include "csi/backend_monitor.h"

#include "common/log.h"

namespace byok::csi {

BackendMonitor::BackendMonitor(std::string name, Check check, absl::Duration retry_interval,
                               absl::Duration refresh_interval, OnChange on_change)
    : name_(std::move(name)),
      check_(std::move(check)),
      retry_interval_(retry_interval),
      refresh_interval_(refresh_interval),
      on_change_(std::move(on_change)) {
  {
    absl::MutexLock lock(&mu_);
    current_ = absl::UnavailableError("not checked yet");
  }
  thread_ = std::thread([this] { Loop(); });
}

BackendMonitor::~BackendMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status BackendMonitor::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

bool BackendMonitor::WaitForFirstResult(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&checked_), timeout);
}

void BackendMonitor::Record(absl::Status result) {
  const bool ok = result.ok();
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = !checked_ || ok != current_.ok();
    current_ = std::move(result);
    checked_ = true;
  }
  if (!changed) return;
  if (ok) {
    log::Info("backend reachable", {{"backend", name_}});
  } else {
    log::Warning("backend unreachable",
                 {{"backend", name_}, {"error", std::string(Current().message())}});
  }
  if (on_change_) on_change_(ok);
}

void BackendMonitor::Loop() {
  while (true) {
    absl::Status result = check_();
    const bool ok = result.ok();
    Record(std::move(result));
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), ok ? refresh_interval_ : retry_interval_);
    if (stopping_) return;
  }
}

}  // namespace byok::csi
