#include "openstack/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "openstack/absl_compat.h"

namespace byok::openstack {

absl::Duration FullJitterBackoff(const RetryPolicy& policy, int retry_index, double jitter) {
  // 2^retry_index overflows nothing as long as the exponent is clamped first.
  double factor = std::ldexp(1.0, std::clamp(retry_index, 0, 30));
  absl::Duration ceiling = std::min(policy.max_backoff, policy.initial_backoff * factor);
  return ceiling * std::clamp(jitter, 0.0, 1.0);
}

RetryDecision DecideRetry(const RetryPolicy& policy, bool idempotent, const AttemptOutcome& outcome,
                          int attempts_made, absl::Duration time_left, double jitter) {
  RetryDecision d;
  if (outcome.http_status.has_value()) {
    int s = *outcome.http_status;
    if (s != 429 && s != 502 && s != 503 && s != 504) {
      d.reason = "status is final";
      return d;
    }
    if (!idempotent) {
      d.reason = "not idempotent";
      return d;
    }
  } else if (outcome.failure.has_value()) {
    switch (*outcome.failure) {
      case TransportFailure::kNotSent:
        break;  // the server never saw it: safe for any method
      case TransportFailure::kAfterSend:
      case TransportFailure::kTimeout:
        if (!idempotent) {
          d.reason = "not idempotent and possibly received";
          return d;
        }
        break;
      case TransportFailure::kTls:
      case TransportFailure::kOther:
        d.reason = "failure is final";
        return d;
    }
  } else {
    d.reason = "success";
    return d;
  }
  if (attempts_made >= policy.max_attempts) {
    d.reason = "attempts exhausted";
    return d;
  }
  absl::Duration delay = FullJitterBackoff(policy, attempts_made - 1, jitter);
  if (outcome.retry_after.has_value()) {
    if (*outcome.retry_after > policy.max_retry_after) {
      d.reason = "Retry-After too long";
      return d;
    }
    delay = std::max(delay, *outcome.retry_after);
  }
  if (delay >= time_left) {
    d.reason = "deadline";
    return d;
  }
  d.retry = true;
  d.delay = delay;
  d.reason = "retryable";
  return d;
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now) {
  value = StripWhitespace(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (ParseInt(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time when;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), absl::UTCTimeZone(), &when,
                      &err)) {
    return std::max(absl::ZeroDuration(), when - now);
  }
  return std::nullopt;
}

}  // namespace byok::openstack
