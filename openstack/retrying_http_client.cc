#include "openstack/retrying_http_client.h"

#include <random>

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "openstack/absl_compat.h"
#include "openstack/url.h"

namespace byok::openstack {
namespace {

double DefaultJitter() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::Uniform(*gen, 0.0, 1.0);
}

AttemptOutcome OutcomeOf(const absl::StatusOr<HttpResponse>& result, absl::Time now) {
  AttemptOutcome outcome;
  if (result.ok()) {
    outcome.http_status = result->status;
    if (result->status == 429 || result->status == 503) {
      outcome.retry_after = ParseRetryAfter(result->Header("retry-after"), now);
    }
  } else {
    outcome.failure = TransportFailureOf(result.status()).value_or(TransportFailure::kOther);
  }
  return outcome;
}

}  // namespace

RetryingHttpClient::RetryingHttpClient(std::unique_ptr<HttpClient> transport, RetryPolicy policy,
                                       std::shared_ptr<HttpStats> stats, Hooks hooks)
    : transport_(std::move(transport)),
      policy_(policy),
      stats_(stats ? std::move(stats) : std::make_shared<HttpStats>()),
      hooks_(std::move(hooks)) {
  if (!hooks_.now) hooks_.now = [] { return absl::Now(); };
  if (!hooks_.sleep) hooks_.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  if (!hooks_.jitter) hooks_.jitter = DefaultJitter;
}

absl::StatusOr<HttpResponse> RetryingHttpClient::Send(const HttpRequest& request) {
  const std::string host = UrlHost(request.url);
  stats_->RecordRequest(request.service, host, MethodName(request.method));
  const bool idempotent = request.IsIdempotent();
  for (int attempt = 1;; ++attempt) {
    if (hooks_.now() >= request.deadline) {
      return absl::DeadlineExceededError(StrCat(request.service, ": ", MethodName(request.method),
                                                " ", RedactUrl(request.url),
                                                ": deadline passed before attempt ", attempt));
    }
    absl::StatusOr<HttpResponse> result = transport_->Send(request);
    stats_->RecordAttempt(
        request.service, host,
        result.ok() ? absl::StatusOr<int>(result->status) : absl::StatusOr<int>(result.status()),
        attempt > 1);
    absl::Time now = hooks_.now();
    RetryDecision decision = DecideRetry(policy_, idempotent, OutcomeOf(result, now), attempt,
                                         request.deadline - now, hooks_.jitter());
    if (!decision.retry) {
      if (result.ok()) result->attempts = attempt;
      return result;
    }
    log::Debug(2, "retrying OpenStack request",
               {{"service", request.service},
                {"method", std::string(MethodName(request.method))},
                {"url", RedactUrl(request.url)},
                {"attempt", StrCat(attempt)},
                {"outcome", result.ok() ? StrCat("HTTP ", result->status)
                                        : std::string(result.status().message())},
                {"delay", absl::FormatDuration(decision.delay)}});
    hooks_.sleep(decision.delay);
  }
}

}  // namespace byok::openstack
