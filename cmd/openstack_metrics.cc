#include "cmd/openstack_metrics.h"

#include <string>

namespace byok {
namespace {

prometheus::MetricFamily Counter(std::string name, std::string help) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Counter;
  return family;
}

void Add(prometheus::MetricFamily& family, std::vector<prometheus::ClientMetric::Label> labels,
         int64_t value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = static_cast<double>(value);
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> OpenStackCallMetrics::Collect() const {
  auto requests = Counter("byok_openstack_requests_total",
                          "OpenStack API requests the driver made (retries not included)");
  auto responses = Counter("byok_openstack_responses_total",
                           "OpenStack API attempts answered, by HTTP status code");
  auto retries =
      Counter("byok_openstack_retries_total", "OpenStack API attempts that were retries");
  auto transport =
      Counter("byok_openstack_transport_errors_total",
              "OpenStack API attempts that got no HTTP answer (refused, timed out, TLS)");
  for (const auto& [key, counts] : stats_->Snapshot()) {
    // HttpStats keys are "service host:port".
    const size_t space = key.find(' ');
    const std::string service = key.substr(0, space);
    const std::string endpoint = space == std::string::npos ? "" : key.substr(space + 1);
    const std::vector<prometheus::ClientMetric::Label> labels = {{"service", service},
                                                                 {"endpoint", endpoint}};
    if (counts.requests_by_method.empty()) Add(requests, labels, counts.requests);
    for (const auto& [method, n] : counts.requests_by_method) {
      auto with_method = labels;
      with_method.push_back({"method", method});
      Add(requests, with_method, n);
    }
    Add(retries, labels, counts.retries);
    Add(transport, labels, counts.transport_errors);
    for (const auto& [code, n] : counts.by_status) {
      auto with_code = labels;
      with_code.push_back({"code", std::to_string(code)});
      Add(responses, with_code, n);
    }
  }
  return {std::move(requests), std::move(responses), std::move(retries), std::move(transport)};
}

}  // namespace byok
