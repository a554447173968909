#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

namespace byok {

// What cloud::KeyStats counted, read at each scrape:
//   byok_key_rotations_total{result="ok|failed"}   envelope re-wraps by ControllerModifyVolume
//   byok_key_unlock_failures_total{reason}          NodeStageVolume could not have the volume's
//       key: wrong_key, key_gone (deleted or expired), access_denied, barbican_down, other
//   byok_key_fetch_seconds                          reading a tenant key from Barbican (histogram)
class KeyMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace byok
