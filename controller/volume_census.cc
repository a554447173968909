#include "controller/volume_census.h"

#include <set>

#include "common/strings.h"
#include "controller/controller_service.h"
#include "envelope/descriptor.h"

namespace byok::controller {
namespace {

// Cinder's own page-size cap is typically 1000; asking for it keeps a big cluster to a few
// calls. The page bound stops a listing whose markers never end (a hostile or broken proxy).
constexpr int kPageSize = 1000;
constexpr int kMaxPages = 1000;

void Count(const openstack::Volume& v, VolumeCounts* counts) {
  // A volume DeleteVolume already answered for is gone to Kubernetes (as in ListVolumes).
  if (v.status == "deleting") return;
  auto descriptor = envelope::FromMetadata(v.metadata);
  if (!descriptor.ok()) {
    ++counts->unknown;
    return;
  }
  switch (descriptor->mode) {
    case envelope::Mode::kEnvelope:
      ++counts->envelope;
      break;
    case envelope::Mode::kCinder:
      ++counts->cinder;
      break;
    case envelope::Mode::kNone:
      ++counts->none;
      break;
  }
}

}  // namespace

absl::Status VolumeCensus::Refresh(absl::Time deadline) {
  auto clients = cloud_->ForDriver(deadline);
  if (!clients.ok()) return clients.status();
  openstack::CallOptions call;
  call.deadline = deadline;
  openstack::ListRequest list;
  list.limit = kPageSize;
  list.metadata[kMetaCluster] = cluster_id_;
  VolumeCounts counts;
  std::set<std::string> markers;
  for (int page_number = 0;; ++page_number) {
    if (page_number == kMaxPages) {
      return absl::OutOfRangeError(StrCat("volume census: more than ", kMaxPages, " pages"));
    }
    auto page = clients->cinder->ListVolumes(call, list);
    if (!page.ok()) return page.status();
    for (const auto& v : page->volumes) Count(v, &counts);
    if (page->next_marker.empty()) break;
    if (!markers.insert(page->next_marker).second) {
      return absl::InternalError(
          StrCat("volume census: Cinder returned marker ", page->next_marker, " twice"));
    }
    list.marker = page->next_marker;
  }
  counts.taken = absl::Now();
  absl::MutexLock lock(&mu_);
  last_ = counts;
  return absl::OkStatus();
}

std::optional<VolumeCounts> VolumeCensus::Last() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

}  // namespace byok::controller
