#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace byok::csi {

// The one place where internal absl::Status values become gRPC statuses. absl's canonical
// codes share gRPC's numbering, so the code is kept and the message passed through as is.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace byok::csi
