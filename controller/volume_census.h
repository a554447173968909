#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cloud/cloud_access.h"

namespace byok::controller {

// This cluster's volumes by how they are encrypted, as the last census found them.
struct VolumeCounts {
  int64_t envelope = 0;
  int64_t cinder = 0;
  int64_t none = 0;     // plain volumes
  int64_t unknown = 0;  // encryption metadata the driver cannot read
  absl::Time taken;     // when the census finished
};

// Counts the cluster's volumes by encryption mode with the driver's identity, one full
// Cinder listing per Refresh. The metrics endpoint reads Last(), so a scrape never waits on
// Cinder; a background thread (cmd/) calls Refresh on a timer.
class VolumeCensus {
 public:
  VolumeCensus(cloud::CloudAccess* cloud, std::string cluster_id)
      : cloud_(cloud), cluster_id_(std::move(cluster_id)) {}

  // Lists every page; on any error the previous counts stay and the error is returned.
  absl::Status Refresh(absl::Time deadline);
  // Empty until a census succeeded.
  std::optional<VolumeCounts> Last() const;

 private:
  cloud::CloudAccess* cloud_;
  std::string cluster_id_;
  mutable absl::Mutex mu_;
  std::optional<VolumeCounts> last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::controller
