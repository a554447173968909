#include "csi/deadline.h"

#include <algorithm>

namespace byok::csi {

absl::Time RpcDeadline(const grpc::ServerContext* context, absl::Duration fallback) {
  if (context == nullptr) return absl::Now() + fallback;
  return RpcDeadline(context->deadline(), fallback, absl::Now());
}

absl::Time RpcDeadline(std::chrono::system_clock::time_point caller, absl::Duration fallback,
                       absl::Time now) {
  // gRPC's "no deadline" is time_point::max(), which absl::FromChrono cannot represent.
  if (caller == std::chrono::system_clock::time_point::max()) return now + fallback;
  absl::Time deadline = absl::FromChrono(caller);
  if (deadline > now + absl::Hours(24 * 365)) return now + fallback;
  deadline -= std::min(absl::Seconds(1), (deadline - now) / 10);
  return std::min(deadline, now + absl::Hours(1));
}

}  // namespace byok::csi
