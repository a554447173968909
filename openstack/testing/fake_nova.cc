#include "openstack/testing/fake_nova.h"

#include "openstack/absl_compat.h"

namespace byok::openstack::testing {

void FakeNova::AddServer(Server server) {
  absl::MutexLock lock(&mu_);
  if (server.status.empty()) server.status = "ACTIVE";
  if (server.availability_zone.empty()) server.availability_zone = "nova";
  servers_[server.id] = std::move(server);
}

absl::StatusOr<Server> FakeNova::GetServer(const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("GetServer"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  auto it = servers_.find(id);
  if (it == servers_.end()) {
    return FakeHttpError("nova", StrCat("get server ", id), 404,
                         StrCat("Instance ", id, " could not be found."));
  }
  return it->second;
}

absl::StatusOr<ServerVolumeAttachment> FakeNova::AttachVolume(const CallOptions& o,
                                                              const std::string& server_id,
                                                              const std::string& volume_id) {
  if (absl::Status s = calls_.Enter("AttachVolume"); !s.ok()) return s;
  const std::string what = StrCat("attach volume ", volume_id, " to server ", server_id);
  if (cinder_ != nullptr) {
    absl::StatusOr<Volume> v = cinder_->GetVolume({}, volume_id);
    if (!v.ok()) {
      return FakeHttpError("nova", what, 404, StrCat("Volume ", volume_id, " could not be found."));
    }
    if (v->status != "available" && !v->multiattach) {
      return FakeHttpError("nova", what, 400,
                           StrCat("Invalid volume: volume ", volume_id,
                                  " status must be "
                                  "'available'. Currently in '",
                                  v->status, "'"));
    }
  }
  ServerVolumeAttachment a;
  {
    absl::MutexLock lock(&mu_);
    if (servers_.find(server_id) == servers_.end()) {
      return FakeHttpError("nova", what, 404,
                           StrCat("Instance ", server_id, " could not be found."));
    }
    std::vector<ServerVolumeAttachment>& list = attachments_[server_id];
    for (const ServerVolumeAttachment& existing : list) {
      if (existing.volume_id == volume_id) {
        return FakeHttpError("nova", what, 400, "Invalid volume: already attached");
      }
    }
    char device[16];
    std::snprintf(device, sizeof(device), "/dev/vd%c", static_cast<char>('b' + list.size()));
    a = {volume_id, server_id, volume_id, device, FakeUuid(0x61000000, list.size() + 1)};
    list.push_back(a);
  }
  if (cinder_ != nullptr) cinder_->Attach(volume_id, server_id);
  return a;
}

absl::Status FakeNova::DetachVolume(const CallOptions& o, const std::string& server_id,
                                    const std::string& volume_id) {
  if (absl::Status s = calls_.Enter("DetachVolume"); !s.ok()) return s;
  const std::string what = StrCat("detach volume ", volume_id, " from server ", server_id);
  {
    absl::MutexLock lock(&mu_);
    if (servers_.find(server_id) == servers_.end()) {
      return FakeHttpError("nova", what, 404,
                           StrCat("Instance ", server_id, " could not be found."));
    }
    std::vector<ServerVolumeAttachment>& list = attachments_[server_id];
    size_t before = list.size();
    std::erase_if(list, [&](const ServerVolumeAttachment& a) { return a.volume_id == volume_id; });
    if (list.size() == before) {
      return FakeHttpError("nova", what, 404, StrCat("volume_id not found: ", volume_id));
    }
  }
  if (cinder_ != nullptr) cinder_->Detach(volume_id, server_id);
  return absl::OkStatus();
}

}  // namespace byok::openstack::testing
