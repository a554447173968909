#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace byok::node {

// A node-wide bound on concurrent LUKS unlocks (and formats). Each one runs a PBKDF, which for
// headers made elsewhere (cryptsetup defaults: argon2id up to 1 GiB, os-brick: 2 s of pbkdf2)
// costs real memory and CPU; many pods starting at once must not OOM the plugin.
class UnlockLimiter {
 public:
  class [[nodiscard]] Slot {
   public:
    Slot(Slot&& other) noexcept : limiter_(other.limiter_) { other.limiter_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot() {
      if (limiter_ != nullptr) limiter_->Release();
    }

   private:
    friend class UnlockLimiter;
    explicit Slot(UnlockLimiter* limiter) : limiter_(limiter) {}
    UnlockLimiter* limiter_;
  };

  explicit UnlockLimiter(int max_concurrent) : max_(max_concurrent < 1 ? 1 : max_concurrent) {}

  // Waits for a free slot until `deadline`; Unavailable when none freed up in time (the
  // caller retries).
  absl::StatusOr<Slot> Acquire(absl::Time deadline);
  int InUse() const;

 private:
  void Release();
  const int max_;
  mutable absl::Mutex mu_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace byok::node
