#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "openstack/http.h"
#include "openstack/retry_policy.h"
#include "openstack/tls_options.h"

namespace byok::openstack {

struct CurlOptions {
  TlsOptions tls;
  absl::Duration connect_timeout = absl::Seconds(10);
  // Upper bound of one attempt; the request deadline may cut it shorter.
  absl::Duration attempt_timeout = absl::Seconds(60);
  // Idle easy handles kept for reuse (each keeps its own live connections).
  size_t max_idle_handles = 16;
  // Bigger responses fail: no OpenStack answer we read comes close.
  size_t max_response_bytes = 16 << 20;
  std::string user_agent = "cinder-byok-csi";
};

// The libcurl transport with no retries: a pool of easy handles reused across requests and
// threads, sharing one DNS cache and TLS session cache. Proxy variables (https_proxy,
// no_proxy) are honoured as libcurl does by default. Fails if a TLS file is unreadable.
absl::StatusOr<std::unique_ptr<HttpClient>> NewCurlTransport(const CurlOptions& options);

// What production code uses: the curl transport behind RetryingHttpClient.
absl::StatusOr<std::unique_ptr<HttpClient>> NewHttpClient(const CurlOptions& options,
                                                          const RetryPolicy& policy,
                                                          std::shared_ptr<HttpStats> stats);

}  // namespace byok::openstack
