#pragma once

#include <grpcpp/server_context.h>

#include <chrono>

#include "absl/time/time.h"

namespace byok::csi {

// The deadline an RPC body works to, the same for controller and node:
//   - no deadline from the caller (gRPC reports a time far in the future): now + `fallback`;
//   - otherwise a little before the caller's (a tenth of what is left, at most a second), so
//     the caller gets our answer ("still being created; retry") rather than its own bare
//     DEADLINE_EXCEEDED;
//   - never more than an hour away: a client's huge deadline must not become an endless wait
//     on OpenStack or the kernel.
absl::Time RpcDeadline(const grpc::ServerContext* context, absl::Duration fallback);
// The rule itself, on the caller's deadline as gRPC reports it.
absl::Time RpcDeadline(std::chrono::system_clock::time_point caller, absl::Duration fallback,
                       absl::Time now);

}  // namespace byok::csi
