#include "cloud/key_health.h"

#include "common/strings.h"
#include "envelope/descriptor.h"

namespace byok::cloud {

std::optional<std::string> GoneKeyProblem(const Clients& clients,
                                          const openstack::CallOptions& call,
                                          const std::map<std::string, std::string>& metadata) {
  auto descriptor = envelope::FromMetadata(metadata);
  if (!descriptor.ok() || descriptor->mode == envelope::Mode::kNone) return std::nullopt;
  auto key = clients.barbican->GetSecret(call, descriptor->key_id);
  if (!absl::IsNotFound(key.status())) return std::nullopt;
  return StrCat("Barbican key ", descriptor->key_id,
                " of this volume was deleted or has expired: the volume cannot be staged again "
                "(a node that has it open keeps it until unstage)");
}

std::optional<std::string> KeyHealthCache::Problem(const Handle& volume, absl::Time deadline) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(volume.cinder_id);
    if (it != entries_.end() && now - it->second.checked < ttl_) return it->second.problem;
  }
  std::optional<std::string> problem = Check(volume, deadline);
  absl::MutexLock lock(&mu_);
  // Entries of volumes no longer asked about age out here rather than on a timer.
  std::erase_if(entries_, [&](const auto& e) { return now - e.second.checked >= 4 * ttl_; });
  entries_[volume.cinder_id] = Entry{now, problem};
  return problem;
}

std::optional<std::string> KeyHealthCache::Check(const Handle& volume, absl::Time deadline) {
  // A tenant's volume: only a credential of its project (in a Secret) may look.
  if (!volume.project_id.empty()) return std::nullopt;
  auto clients = cloud_->ForDriver(deadline);
  if (!clients.ok()) return std::nullopt;
  openstack::CallOptions call;
  call.deadline = deadline;
  auto recorded = clients->cinder->GetVolume(call, volume.cinder_id);
  if (!recorded.ok()) return std::nullopt;
  return GoneKeyProblem(*clients, call, recorded->metadata);
}

}  // namespace byok::cloud
