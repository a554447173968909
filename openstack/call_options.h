#pragma once

#include <string>

#include "absl/time/time.h"

namespace byok::openstack {

// Per-call settings every client method takes.
struct CallOptions {
  // Usually the gRPC deadline of the CSI call being served.
  absl::Time deadline = absl::InfiniteFuture();
  // Overrides the client's default microversion for this call, e.g. "3.42" for an extend
  // of an attached volume. Empty: the client's default.
  std::string microversion;

  static CallOptions WithTimeout(absl::Duration timeout) {
    CallOptions o;
    o.deadline = absl::Now() + timeout;
    return o;
  }
};

}  // namespace byok::openstack
