#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

#include "openstack/http.h"

namespace byok {

// The OpenStack traffic that the HTTP client layer counts (openstack::HttpStats), read at
// each scrape, as Prometheus counters labelled by service (keystone, cinder, barbican, nova)
// and endpoint (host:port):
//   byok_openstack_requests_total{method}    logical requests (retries not included), by
//                                            HTTP method
//   byok_openstack_responses_total{code}     attempts answered, by HTTP status
//   byok_openstack_retries_total             attempts that were retries
//   byok_openstack_transport_errors_total    attempts that got no HTTP answer
class OpenStackCallMetrics : public prometheus::Collectable {
 public:
  explicit OpenStackCallMetrics(std::shared_ptr<const openstack::HttpStats> stats)
      : stats_(std::move(stats)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const openstack::HttpStats> stats_;
};

}  // namespace byok
