#include "cmd/key_metrics.h"

#include <limits>
#include <string>

#include "cloud/key_stats.h"

namespace byok {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddCounter(prometheus::MetricFamily& family, std::string label, std::string value,
                int64_t count) {
  prometheus::ClientMetric metric;
  metric.label = {{std::move(label), std::move(value)}};
  metric.counter.value = static_cast<double>(count);
  family.metric.push_back(std::move(metric));
}

prometheus::MetricFamily FetchHistogram(const cloud::KeyStats::Counts& counts) {
  auto family = Family("byok_key_fetch_seconds", "Time to read a tenant key from Barbican",
                       prometheus::MetricType::Histogram);
  prometheus::ClientMetric metric;
  metric.histogram.sample_count = static_cast<uint64_t>(counts.fetches);
  metric.histogram.sample_sum = counts.fetch_seconds;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < cloud::KeyStats::kFetchBuckets.size(); ++i) {
    cumulative += static_cast<uint64_t>(counts.fetch_buckets[i]);
    metric.histogram.bucket.push_back({cumulative, cloud::KeyStats::kFetchBuckets[i]});
  }
  metric.histogram.bucket.push_back(
      {static_cast<uint64_t>(counts.fetches), std::numeric_limits<double>::infinity()});
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> KeyMetrics::Collect() const {
  const cloud::KeyStats::Counts counts = cloud::KeyStats::Process().Snapshot();
  auto rotations =
      Family("byok_key_rotations_total", "Volume key rotations (data key re-wrapped) by result",
             prometheus::MetricType::Counter);
  AddCounter(rotations, "result", "ok", counts.rotations_ok);
  AddCounter(rotations, "result", "failed", counts.rotations_failed);
  auto unlock = Family("byok_key_unlock_failures_total",
                       "NodeStageVolume calls that could not have the volume's key, by reason",
                       prometheus::MetricType::Counter);
  for (int i = 0; i < cloud::kUnlockFailureKinds; ++i) {
    AddCounter(unlock, "reason",
               std::string(cloud::UnlockFailureLabel(static_cast<cloud::UnlockFailure>(i))),
               counts.unlock_failures[i]);
  }
  return {std::move(rotations), std::move(unlock), FetchHistogram(counts)};
}

}  // namespace byok
