#include "csi/readiness.h"

#include "common/log.h"

namespace byok::csi {

Readiness::Readiness() {
  absl::MutexLock lock(&mu_);
  checked_ = true;
  current_ = absl::OkStatus();
}

Readiness::Readiness(Check check, absl::Duration retry_interval, absl::Duration refresh_interval)
    : check_(std::move(check)),
      retry_interval_(retry_interval),
      refresh_interval_(refresh_interval) {
  {
    absl::MutexLock lock(&mu_);
    current_ = absl::UnavailableError("readiness not checked yet");
  }
  thread_ = std::thread([this] { Loop(); });
}

Readiness::~Readiness() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status Readiness::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

bool Readiness::WaitForFirstResult(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&checked_), timeout);
}

void Readiness::Loop() {
  while (true) {
    absl::Status result = check_();
    bool ok = result.ok();
    {
      absl::MutexLock lock(&mu_);
      if (ok != current_.ok() || !checked_) {
        if (ok) {
          log::Info("ready");
        } else {
          log::Warning("not ready", {{"error", std::string(result.message())}});
        }
      }
      current_ = std::move(result);
      checked_ = true;
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping),
                           ok ? refresh_interval_ : retry_interval_);
      if (stopping_) return;
    }
  }
}

}  // namespace byok::csi
