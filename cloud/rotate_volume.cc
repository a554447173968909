#include "cloud/rotate_volume.h"

#include "cloud/key_consumers.h"
#include "common/log.h"
#include "envelope/descriptor.h"

namespace byok::cloud {
namespace {

// The Barbican consumer record follows the wrapping (key_consumers.h).
void MoveKeyConsumer(const VolumeRotation& r, const std::string& before,
                     std::string_view resource_type, const std::string& id) {
  RegisterKeyConsumer(*r.key_reader, r.call, r.new_key_id, resource_type, id);
  if (before != r.new_key_id) RemoveKeyConsumer(*r.key_reader, r.call, before, resource_type, id);
}

// Every snapshot of the volume that still holds a wrapped data key (crypto-erased ones do not).
absl::Status RotateSnapshotKeys(const VolumeRotation& r, RotationDone* done) {
  openstack::ListRequest of;
  of.volume_id = r.volume_id;
  do {
    auto page = r.cinder->ListSnapshots(r.call, of);
    if (!page.ok()) return page.status();
    for (const openstack::Snapshot& snapshot : page->snapshots) {
      if (snapshot.metadata.count(envelope::kMetaWrappedDek) == 0) continue;
      auto rewrapped = RewrapDataKey(SnapshotKeyStore(*r.cinder, r.call, snapshot.id),
                                     envelope::WrapNameOf(snapshot.metadata, r.wrap_name),
                                     r.new_key_id, *r.new_kek, r.fetch);
      if (!rewrapped.ok()) return rewrapped.status();
      MoveKeyConsumer(r, KeyBefore(snapshot.metadata, r.new_key_id), kConsumerSnapshot,
                      snapshot.id);
      done->snapshots_rewrapped += *rewrapped ? 1 : 0;
    }
    of.marker = page->next_marker;
  } while (!of.marker.empty());
  return absl::OkStatus();
}

}  // namespace

std::string KeyBefore(const std::map<std::string, std::string>& metadata,
                      const std::string& new_key_id) {
  auto key = metadata.find(envelope::kMetaKeyId);
  if (key != metadata.end() && key->second != new_key_id) return key->second;
  auto previous = metadata.find(envelope::kMetaPreviousKeyId);
  return previous == metadata.end() ? "" : previous->second;
}

absl::StatusOr<RotationDone> RotateVolumeKey(const VolumeRotation& r) {
  RotationDone done;
  auto volume = RewrapDataKey(VolumeKeyStore(*r.cinder, r.call, r.volume_id), r.wrap_name,
                              r.new_key_id, *r.new_kek, r.fetch);
  if (!volume.ok()) return volume.status();
  done.volume_rewrapped = *volume;
  MoveKeyConsumer(r, r.volume_key_before, kConsumerVolume, r.volume_id);
  absl::Status snapshots = RotateSnapshotKeys(r, &done);
  if (snapshots.ok()) return done;
  if (!r.snapshots_best_effort) return snapshots;
  done.snapshots_left = true;
  log::Warning(
      "volume key rotated, but its snapshots stay under the old key until "
      "ControllerModifyVolume moves them",
      {{"volume", r.volume_id},
       {"key_id", r.new_key_id},
       {"error", std::string(snapshots.message())}});
  return done;
}

}  // namespace byok::cloud
