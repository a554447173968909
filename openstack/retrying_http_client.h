#pragma once

#include <functional>
#include <memory>

#include "openstack/http.h"
#include "openstack/retry_policy.h"

namespace byok::openstack {

// Wraps a transport with retry_policy.h, bounded by each request's deadline, and counts
// requests, attempts and retries in HttpStats.
class RetryingHttpClient : public HttpClient {
 public:
  // Injection points for tests; the defaults use the real clock, sleep and a PRNG.
  struct Hooks {
    std::function<absl::Time()> now;
    std::function<void(absl::Duration)> sleep;
    std::function<double()> jitter;  // uniform in [0, 1)
  };

  RetryingHttpClient(std::unique_ptr<HttpClient> transport, RetryPolicy policy,
                     std::shared_ptr<HttpStats> stats, Hooks hooks = {});

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

  const std::shared_ptr<HttpStats>& stats() const { return stats_; }

 private:
  std::unique_ptr<HttpClient> transport_;
  RetryPolicy policy_;
  std::shared_ptr<HttpStats> stats_;
  Hooks hooks_;
};

}  // namespace byok::openstack
