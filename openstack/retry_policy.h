#pragma once

#include <optional>
#include <string_view>

#include "absl/time/time.h"
#include "openstack/errors.h"

// When a failed HTTP attempt may be repeated, and after how long. Pure functions, so the
// policy is unit-tested without sockets or clocks.
//
// Safe to retry:
//   - a request the server never saw (connect/resolve failed): any method;
//   - 502/503/504, 429 and lost connections/timeouts after sending: idempotent requests only
//     (GET/HEAD/PUT/DELETE, or a POST the caller marked idempotent). A non-idempotent POST
//     may have taken effect, e.g. a volume create, so repeating it could create two.
// Never retried: other statuses, TLS failures, and anything whose wait would pass the deadline.
namespace byok::openstack {

struct RetryPolicy {
  int max_attempts = 4;  // including the first
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(8);
  // Longest Retry-After we honour; a longer one ends the retries.
  absl::Duration max_retry_after = absl::Seconds(60);
};

struct AttemptOutcome {
  std::optional<int> http_status;           // set when a response arrived
  std::optional<TransportFailure> failure;  // set when none did
  std::optional<absl::Duration> retry_after;
};

struct RetryDecision {
  bool retry = false;
  absl::Duration delay = absl::ZeroDuration();
  std::string_view reason;  // why (not), for logs
};

// Full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^retry_index)).
// `jitter` is a uniform random number in [0, 1).
absl::Duration FullJitterBackoff(const RetryPolicy& policy, int retry_index, double jitter);

// `attempts_made` >= 1; `time_left` until the request's deadline.
RetryDecision DecideRetry(const RetryPolicy& policy, bool idempotent, const AttemptOutcome& outcome,
                          int attempts_made, absl::Duration time_left, double jitter);

// Retry-After as delta-seconds or an HTTP-date (RFC 9110 10.2.3); nullopt if unparsable.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now);

}  // namespace byok::openstack
