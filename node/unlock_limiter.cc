#include "node/unlock_limiter.h"

#include "common/strings.h"

namespace byok::node {

absl::StatusOr<UnlockLimiter::Slot> UnlockLimiter::Acquire(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto free_slot = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return in_use_ < max_; };
  if (!mu_.AwaitWithDeadline(absl::Condition(&free_slot), deadline)) {
    return absl::UnavailableError(StrCat(max_,
                                         " LUKS unlocks are already running on this node "
                                         "and none finished before the call's deadline; retry"));
  }
  ++in_use_;
  return Slot(this);
}

int UnlockLimiter::InUse() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

void UnlockLimiter::Release() {
  absl::MutexLock lock(&mu_);
  --in_use_;
}

}  // namespace byok::node
