#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

#include "controller/volume_census.h"

namespace byok {

// What the last volume census found, read at each scrape (nothing before the first census
// succeeded):
//   byok_volumes{encryption="envelope|cinder|none|unknown"}   this cluster's volumes
//   byok_volume_census_timestamp_seconds                      when that census finished
class VolumeMetrics : public prometheus::Collectable {
 public:
  explicit VolumeMetrics(std::shared_ptr<const controller::VolumeCensus> census)
      : census_(std::move(census)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::shared_ptr<const controller::VolumeCensus> census_;
};

}  // namespace byok
