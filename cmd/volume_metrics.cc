#include "cmd/volume_metrics.h"

#include <string>

namespace byok {
namespace {

void AddGauge(prometheus::MetricFamily& family, std::string value, int64_t count) {
  prometheus::ClientMetric metric;
  metric.label = {{"encryption", std::move(value)}};
  metric.gauge.value = static_cast<double>(count);
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> VolumeMetrics::Collect() const {
  std::optional<controller::VolumeCounts> counts = census_->Last();
  if (!counts.has_value()) return {};
  prometheus::MetricFamily volumes;
  volumes.name = "byok_volumes";
  volumes.help =
      "This cluster's volumes in the driver's project by encryption mode, as the last census "
      "counted them";
  volumes.type = prometheus::MetricType::Gauge;
  AddGauge(volumes, "envelope", counts->envelope);
  AddGauge(volumes, "cinder", counts->cinder);
  AddGauge(volumes, "none", counts->none);
  AddGauge(volumes, "unknown", counts->unknown);

  prometheus::MetricFamily taken;
  taken.name = "byok_volume_census_timestamp_seconds";
  taken.help = "When the last volume census finished (Unix time)";
  taken.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric metric;
  metric.gauge.value = absl::ToDoubleSeconds(counts->taken - absl::UnixEpoch());
  taken.metric.push_back(std::move(metric));
  return {std::move(volumes), std::move(taken)};
}

}  // namespace byok
