#include "openstack/testing/fake_cinder.h"

#include "openstack/absl_compat.h"
#include "openstack/cinder_json.h"
#include "openstack/microversion.h"

namespace byok::openstack::testing {
namespace {

constexpr uint32_t kVolumePrefix = 0x70000000;
constexpr uint32_t kSnapshotPrefix = 0x50000000;
constexpr uint32_t kKeyPrefix = 0x4b000000;

absl::Status NotFound(std::string_view what, std::string_view kind, std::string_view id) {
  return FakeHttpError("cinder", what, 404, StrCat(kind, " ", id, " could not be found."));
}

bool MetadataMatches(const std::map<std::string, std::string>& have,
                     const std::map<std::string, std::string>& want) {
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end() || it->second != v) return false;
  }
  return true;
}

bool AtLeast(const std::string& version, std::string_view minimum) {
  absl::StatusOr<Microversion> v = Microversion::Parse(version);
  return v.ok() && *v >= *Microversion::Parse(minimum);
}

// One page of `items` (ordered by id) after `marker`, at most `limit` long.
template <typename T, typename Match>
std::pair<std::vector<T>, std::string> Page(const std::map<std::string, T>& items,
                                            const ListRequest& r, Match match) {
  std::vector<T> out;
  auto it = r.marker.empty() ? items.begin() : items.upper_bound(r.marker);
  std::string next;
  for (; it != items.end(); ++it) {
    if (!match(it->second)) continue;
    if (r.limit > 0 && static_cast<int>(out.size()) == r.limit) {
      next = out.back().id;
      break;
    }
    out.push_back(it->second);
  }
  return {std::move(out), std::move(next)};
}

}  // namespace

FakeCinder::FakeCinder() = default;

void FakeCinder::AddVolumeType(VolumeType type, VolumeTypeEncryption encryption) {
  absl::MutexLock lock(&mu_);
  if (type.id.empty()) type.id = FakeUuid(0x71000000, types_.size() + 1);
  encryption.volume_type_id = type.id;
  types_.push_back({std::move(type), std::move(encryption)});
}

void FakeCinder::SetInitialStatus(std::string status) {
  absl::MutexLock lock(&mu_);
  initial_status_ = std::move(status);
}

void FakeCinder::SetVolumeStatus(const std::string& id, std::string status) {
  absl::MutexLock lock(&mu_);
  if (Volume* v = FindVolume(id)) v->status = std::move(status);
}

void FakeCinder::SetSnapshotStatus(const std::string& id, std::string status) {
  absl::MutexLock lock(&mu_);
  if (Snapshot* s = FindSnapshot(id)) s->status = std::move(status);
}

void FakeCinder::Attach(const std::string& volume_id, const std::string& server_id) {
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(volume_id);
  if (v == nullptr) return;
  v->attachments.push_back({server_id, FakeUuid(0x61000000, next_id_++), "/dev/vdb", ""});
  v->status = "in-use";
}

void FakeCinder::Detach(const std::string& volume_id, const std::string& server_id) {
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(volume_id);
  if (v == nullptr) return;
  std::erase_if(v->attachments,
                [&](const VolumeAttachment& a) { return a.server_id == server_id; });
  if (v->attachments.empty()) v->status = "available";
}

void FakeCinder::SetLimits(int64_t max_volumes, int64_t max_gigabytes, int64_t max_snapshots) {
  absl::MutexLock lock(&mu_);
  max_volumes_ = max_volumes;
  max_gigabytes_ = max_gigabytes;
  max_snapshots_ = max_snapshots;
}

void FakeCinder::SetDefaultMicroversion(std::string microversion) {
  absl::MutexLock lock(&mu_);
  default_microversion_ = std::move(microversion);
}

void FakeCinder::SetMaxMicroversion(std::string microversion) {
  absl::MutexLock lock(&mu_);
  max_microversion_ = std::move(microversion);
}

void FakeCinder::EnableByok(std::string microversion, KeyCloner clone) {
  absl::MutexLock lock(&mu_);
  byok_microversion_ = std::move(microversion);
  clone_key_ = std::move(clone);
}

void FakeCinder::AddMessage(UserMessage message) {
  absl::MutexLock lock(&mu_);
  messages_.push_back(std::move(message));
}

std::string FakeCinder::InsertVolume(Volume volume) {
  absl::MutexLock lock(&mu_);
  if (volume.id.empty()) volume.id = FakeUuid(kVolumePrefix, next_id_++);
  std::string id = volume.id;
  volumes_[id] = std::move(volume);
  return id;
}

std::vector<Volume> FakeCinder::Volumes() const {
  absl::MutexLock lock(&mu_);
  std::vector<Volume> out;
  for (const auto& [id, v] : volumes_) out.push_back(v);
  return out;
}

std::vector<Snapshot> FakeCinder::Snapshots() const {
  absl::MutexLock lock(&mu_);
  std::vector<Snapshot> out;
  for (const auto& [id, s] : snapshots_) out.push_back(s);
  return out;
}

const FakeCinder::TypeEntry* FakeCinder::FindType(const std::string& id_or_name) const {
  for (const TypeEntry& t : types_) {
    if (t.type.id == id_or_name || t.type.name == id_or_name) return &t;
  }
  return nullptr;
}

Volume* FakeCinder::FindVolume(const std::string& id) {
  auto it = volumes_.find(id);
  return it == volumes_.end() ? nullptr : &it->second;
}

Snapshot* FakeCinder::FindSnapshot(const std::string& id) {
  auto it = snapshots_.find(id);
  return it == snapshots_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> FakeCinder::Version(const CallOptions& o) const {
  absl::MutexLock lock(&mu_);
  std::string v = o.microversion.empty() ? default_microversion_ : o.microversion;
  if (!AtLeast(max_microversion_, v)) {
    return FakeHttpError("cinder", "request", 406,
                         StrCat("Version ", v, " is not supported by the API."));
  }
  return v;
}

int64_t FakeCinder::UsedGigabytes() const {
  int64_t total = 0;
  for (const auto& [id, v] : volumes_) total += v.size_gib;
  return total;
}

absl::StatusOr<std::string> FakeCinder::ByokKey(const std::string& version,
                                                const CreateVolumeRequest& r,
                                                const std::string& what) const {
  if (r.encryption_key_id.empty()) return std::string();
  KeyCloner clone;
  {
    absl::MutexLock lock(&mu_);
    if (byok_microversion_.empty() || !AtLeast(version, byok_microversion_)) {
      // Stock Cinder's schema error, as the lab's Cinder words it.
      return FakeHttpError("cinder", what, 400,
                           "Invalid input for field/attribute volume. Additional properties "
                           "are not allowed ('encryption_key_id' was unexpected)");
    }
    clone = clone_key_;
  }
  return clone(r.encryption_key_id);  // outside mu_: it calls into the test's Barbican
}

absl::StatusOr<Volume> FakeCinder::CreateVolume(const CallOptions& o,
                                                const CreateVolumeRequest& r) {
  if (absl::Status s = calls_.Enter("CreateVolume"); !s.ok()) return s;
  absl::StatusOr<std::string> version = Version(o);
  if (!version.ok()) return version.status();
  // The same rule (and message) as the REST client.
  absl::StatusOr<nlohmann::json> body = cinder::CreateVolumeBody(r, *Microversion::Parse(*version));
  if (!body.ok()) return body.status();
  const std::string what = StrCat("create volume \"", r.name, "\"");
  absl::StatusOr<std::string> cloned_key = ByokKey(*version, r, what);
  if (!cloned_key.ok()) return cloned_key.status();
  absl::MutexLock lock(&mu_);
  if (r.size_gib <= 0 && r.snapshot_id.empty() && r.source_volid.empty()) {
    return FakeHttpError("cinder", what, 400, "Invalid input: size must be a positive integer");
  }
  Volume v;
  v.size_gib = r.size_gib;
  if (!r.snapshot_id.empty()) {
    Snapshot* snap = FindSnapshot(r.snapshot_id);
    if (snap == nullptr) return NotFound(what, "Snapshot", r.snapshot_id);
    v.size_gib = std::max(v.size_gib, snap->size_gib);
    v.snapshot_id = r.snapshot_id;
  }
  if (!r.source_volid.empty()) {
    Volume* src = FindVolume(r.source_volid);
    if (src == nullptr) return NotFound(what, "Volume", r.source_volid);
    v.size_gib = std::max(v.size_gib, src->size_gib);
    v.source_volid = r.source_volid;
  }
  const TypeEntry* type = nullptr;
  if (!r.volume_type.empty()) {
    type = FindType(r.volume_type);
    if (type == nullptr) return NotFound(what, "Volume type", r.volume_type);
  }
  if (max_volumes_ >= 0 && static_cast<int64_t>(volumes_.size()) + 1 > max_volumes_) {
    return FakeHttpError("cinder", what, 413,
                         StrCat("VolumeLimitExceeded: Maximum number of volumes allowed (",
                                max_volumes_, ") exceeded for quota 'volumes'."));
  }
  if (max_gigabytes_ >= 0 && UsedGigabytes() + v.size_gib > max_gigabytes_) {
    return FakeHttpError("cinder", what, 413,
                         StrCat("VolumeSizeExceedsAvailableQuota: Requested volume or snapshot "
                                "exceeds allowed gigabytes quota. Requested ",
                                v.size_gib, "G, quota is ", max_gigabytes_, "G."));
  }
  v.id = FakeUuid(kVolumePrefix, next_id_++);
  v.name = r.name;
  v.description = r.description;
  v.status = initial_status_;
  v.availability_zone = r.availability_zone.empty() ? "nova" : r.availability_zone;
  v.volume_type = type != nullptr ? type->type.name : "__DEFAULT__";
  v.metadata = r.metadata;
  if (type != nullptr && type->encryption.encrypted()) {
    v.encrypted = true;
    // Real Cinder stores a clone of a requested key, never the tenant's own secret id.
    v.encryption_key_id = cloned_key->empty() ? FakeUuid(kKeyPrefix, next_id_++) : *cloned_key;
  } else if (!cloned_key->empty()) {
    return FakeHttpError("cinder", what, 400,
                         "Invalid input received: encryption_key_id requires an encrypted "
                         "volume type.");
  }
  v.created_at = "2024-01-01T00:00:00.000000";
  volumes_[v.id] = v;
  return v;
}

absl::StatusOr<Volume> FakeCinder::GetVolume(const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("GetVolume"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(StrCat("get volume ", id), "Volume", id);
  return *v;
}

absl::StatusOr<VolumePage> FakeCinder::ListVolumes(const CallOptions& o, const ListRequest& r) {
  if (absl::Status s = calls_.Enter("ListVolumes"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  auto [items, next] = Page(volumes_, r, [&](const Volume& v) {
    return (r.name.empty() || v.name == r.name) && (r.status.empty() || v.status == r.status) &&
           MetadataMatches(v.metadata, r.metadata);
  });
  return VolumePage{std::move(items), std::move(next)};
}

absl::Status FakeCinder::DeleteVolume(const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("DeleteVolume"); !s.ok()) return s;
  const std::string what = StrCat("delete volume ", id);
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(what, "Volume", id);
  static const std::vector<std::string> kDeletable = {"available", "error", "error_restoring",
                                                      "error_extending", "error_managing"};
  if (!v->attachments.empty() ||
      std::find(kDeletable.begin(), kDeletable.end(), v->status) == kDeletable.end()) {
    return FakeHttpError("cinder", what, 400,
                         StrCat("Invalid volume: Volume status must be available or error or "
                                "error_restoring or error_extending or error_managing and must "
                                "not be migrating, attached, belong to a group, have snapshots, "
                                "awaiting a transfer, or be disassociated from snapshots after "
                                "volume transfer. (status ",
                                v->status, ")"));
  }
  for (const auto& [sid, snap] : snapshots_) {
    if (snap.volume_id == id) {
      return FakeHttpError("cinder", what, 400, "Invalid volume: Volume has dependent snapshots");
    }
  }
  volumes_.erase(id);
  return absl::OkStatus();
}

absl::Status FakeCinder::ExtendVolume(const CallOptions& o, const std::string& id,
                                      int64_t new_size_gib) {
  if (absl::Status s = calls_.Enter("ExtendVolume"); !s.ok()) return s;
  absl::StatusOr<std::string> version = Version(o);
  if (!version.ok()) return version.status();
  const std::string what = StrCat("extend volume ", id, " to ", new_size_gib, " GiB");
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(what, "Volume", id);
  bool in_use_ok = v->status == "in-use" && AtLeast(*version, kCinderExtendInUse);
  if (v->status != "available" && !in_use_ok) {
    return FakeHttpError("cinder", what, 400,
                         StrCat("Invalid volume: Volume status must be 'available' (or 'in-use' "
                                "at 3.42) to extend, currently ",
                                v->status, "."));
  }
  if (new_size_gib <= v->size_gib) {
    return FakeHttpError("cinder", what, 400,
                         StrCat("Invalid input: New size for extend must be greater than "
                                "current size. (current: ",
                                v->size_gib, ", extended: ", new_size_gib, ")."));
  }
  if (max_gigabytes_ >= 0 && UsedGigabytes() - v->size_gib + new_size_gib > max_gigabytes_) {
    return FakeHttpError("cinder", what, 413, "VolumeSizeExceedsAvailableQuota");
  }
  v->size_gib = new_size_gib;
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> FakeCinder::GetVolumeMetadata(
    const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("GetVolumeMetadata"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(StrCat("get metadata of volume ", id), "Volume", id);
  return v->metadata;
}

absl::StatusOr<std::map<std::string, std::string>> FakeCinder::UpdateVolumeMetadata(
    const CallOptions& o, const std::string& id,
    const std::map<std::string, std::string>& metadata) {
  if (absl::Status s = calls_.Enter("UpdateVolumeMetadata"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(StrCat("update metadata of volume ", id), "Volume", id);
  for (const auto& [k, value] : metadata) v->metadata[k] = value;
  return v->metadata;
}

absl::Status FakeCinder::DeleteVolumeMetadataKey(const CallOptions& o, const std::string& id,
                                                 const std::string& key) {
  if (absl::Status s = calls_.Enter("DeleteVolumeMetadataKey"); !s.ok()) return s;
  const std::string what = StrCat("delete metadata key \"", key, "\" of volume ", id);
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(what, "Volume", id);
  if (v->metadata.erase(key) == 0) {
    return FakeHttpError("cinder", what, 404, StrCat("Metadata item was not found"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EncryptionMetadata> FakeCinder::GetVolumeEncryption(const CallOptions& o,
                                                                   const std::string& id) {
  if (absl::Status s = calls_.Enter("GetVolumeEncryption"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(id);
  if (v == nullptr) return NotFound(StrCat("get encryption metadata of volume ", id), "Volume", id);
  EncryptionMetadata m;
  m.encryption_key_id = v->encryption_key_id;
  if (const TypeEntry* t = FindType(v->volume_type); t != nullptr && t->encryption.encrypted()) {
    m.provider = t->encryption.provider;
    m.cipher = t->encryption.cipher;
    m.key_size = t->encryption.key_size;
    m.control_location = t->encryption.control_location;
  }
  return m;
}

absl::StatusOr<Snapshot> FakeCinder::CreateSnapshot(const CallOptions& o,
                                                    const CreateSnapshotRequest& r) {
  if (absl::Status s = calls_.Enter("CreateSnapshot"); !s.ok()) return s;
  absl::StatusOr<std::string> version = Version(o);
  if (!version.ok()) return version.status();
  const std::string what = StrCat("create snapshot \"", r.name, "\" of volume ", r.volume_id);
  absl::MutexLock lock(&mu_);
  Volume* v = FindVolume(r.volume_id);
  if (v == nullptr) return NotFound(what, "Volume", r.volume_id);
  bool in_use_ok = v->status == "in-use" && (r.force || AtLeast(*version, kCinderSnapshotInUse));
  if (v->status != "available" && !in_use_ok) {
    return FakeHttpError("cinder", what, 400,
                         StrCat("Invalid volume: Volume ", r.volume_id,
                                " status must be "
                                "available, but current status is: ",
                                v->status, "."));
  }
  if (max_snapshots_ >= 0 && static_cast<int64_t>(snapshots_.size()) + 1 > max_snapshots_) {
    return FakeHttpError("cinder", what, 413, "SnapshotLimitExceeded");
  }
  Snapshot s;
  s.id = FakeUuid(kSnapshotPrefix, next_id_++);
  s.name = r.name;
  s.description = r.description;
  s.volume_id = r.volume_id;
  s.status = initial_status_;
  s.size_gib = v->size_gib;
  s.metadata = r.metadata;
  s.created_at = "2024-01-01T00:00:00.000000";
  snapshots_[s.id] = s;
  return s;
}

absl::StatusOr<Snapshot> FakeCinder::GetSnapshot(const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("GetSnapshot"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Snapshot* s = FindSnapshot(id);
  if (s == nullptr) return NotFound(StrCat("get snapshot ", id), "Snapshot", id);
  return *s;
}

absl::StatusOr<SnapshotPage> FakeCinder::ListSnapshots(const CallOptions& o, const ListRequest& r) {
  if (absl::Status s = calls_.Enter("ListSnapshots"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  auto [items, next] = Page(snapshots_, r, [&](const Snapshot& s) {
    return (r.name.empty() || s.name == r.name) && (r.status.empty() || s.status == r.status) &&
           (r.volume_id.empty() || s.volume_id == r.volume_id) &&
           MetadataMatches(s.metadata, r.metadata);
  });
  return SnapshotPage{std::move(items), std::move(next)};
}

absl::Status FakeCinder::DeleteSnapshot(const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("DeleteSnapshot"); !s.ok()) return s;
  const std::string what = StrCat("delete snapshot ", id);
  absl::MutexLock lock(&mu_);
  Snapshot* s = FindSnapshot(id);
  if (s == nullptr) return NotFound(what, "Snapshot", id);
  if (s->status != "available" && s->status != "error") {
    return FakeHttpError("cinder", what, 400,
                         StrCat("Invalid snapshot: Volume Snapshot status must be available or "
                                "error, currently ",
                                s->status, "."));
  }
  snapshots_.erase(id);
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> FakeCinder::GetSnapshotMetadata(
    const CallOptions& o, const std::string& id) {
  if (absl::Status s = calls_.Enter("GetSnapshotMetadata"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Snapshot* s = FindSnapshot(id);
  if (s == nullptr) return NotFound(StrCat("get metadata of snapshot ", id), "Snapshot", id);
  return s->metadata;
}

absl::StatusOr<std::map<std::string, std::string>> FakeCinder::UpdateSnapshotMetadata(
    const CallOptions& o, const std::string& id,
    const std::map<std::string, std::string>& metadata) {
  if (absl::Status s = calls_.Enter("UpdateSnapshotMetadata"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Snapshot* s = FindSnapshot(id);
  if (s == nullptr) return NotFound(StrCat("update metadata of snapshot ", id), "Snapshot", id);
  for (const auto& [k, v] : metadata) s->metadata[k] = v;
  return s->metadata;
}

absl::Status FakeCinder::DeleteSnapshotMetadataKey(const CallOptions& o, const std::string& id,
                                                   const std::string& key) {
  if (absl::Status s = calls_.Enter("DeleteSnapshotMetadataKey"); !s.ok()) return s;
  const std::string what = StrCat("delete metadata key \"", key, "\" of snapshot ", id);
  absl::MutexLock lock(&mu_);
  Snapshot* s = FindSnapshot(id);
  if (s == nullptr) return NotFound(what, "Snapshot", id);
  if (s->metadata.erase(key) == 0) {
    return FakeHttpError("cinder", what, 404, "Metadata item was not found");
  }
  return absl::OkStatus();
}

absl::StatusOr<Limits> FakeCinder::GetLimits(const CallOptions& o) {
  if (absl::Status s = calls_.Enter("GetLimits"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  Limits l;
  l.max_total_volumes = max_volumes_;
  l.total_volumes_used = static_cast<int64_t>(volumes_.size());
  l.max_total_gigabytes = max_gigabytes_;
  l.total_gigabytes_used = UsedGigabytes();
  l.max_total_snapshots = max_snapshots_;
  l.total_snapshots_used = static_cast<int64_t>(snapshots_.size());
  return l;
}

absl::StatusOr<std::vector<Attachment>> FakeCinder::ListAttachments(const CallOptions& o,
                                                                    const std::string& volume_id) {
  if (absl::Status s = calls_.Enter("ListAttachments"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  std::vector<Attachment> out;
  for (const auto& [id, v] : volumes_) {
    if (!volume_id.empty() && id != volume_id) continue;
    for (const VolumeAttachment& a : v.attachments) {
      out.push_back({a.attachment_id, id, a.server_id, "attached"});
    }
  }
  return out;
}

absl::StatusOr<std::vector<UserMessage>> FakeCinder::ListMessages(
    const CallOptions& o, const std::string& resource_uuid) {
  if (absl::Status s = calls_.Enter("ListMessages"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  std::vector<UserMessage> out;
  for (const UserMessage& m : messages_) {
    if (resource_uuid.empty() || m.resource_uuid == resource_uuid) out.push_back(m);
  }
  return out;
}

absl::StatusOr<ApiVersion> FakeCinder::GetApiVersion(const CallOptions& o) {
  if (absl::Status s = calls_.Enter("GetApiVersion"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  return ApiVersion{"v3.0", "CURRENT", "3.0", max_microversion_};
}

}  // namespace byok::openstack::testing
