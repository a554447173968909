// CreateSnapshot / DeleteSnapshot / ListSnapshots. A snapshot carries a copy of its
// volume's encryption descriptor, so a restore keeps the key binding even after the source
// volume is gone; DeleteSnapshot crypto-erases that copy before it deletes.
#include <google/protobuf/util/time_util.h>

#include "cloud/key_consumers.h"
#include "common/log.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/wait.h"
#include "openstack/errors.h"

namespace byok::controller {

using openstack::CallOptions;

namespace {

constexpr char kSnapshotSecretHint[] =
    "set csi.storage.k8s.io/snapshotter-secret-name and -namespace in the VolumeSnapshotClass "
    "to the tenant's Secret";

// `id`: the snapshot's CSI ID; its source volume's carries the same owner.
void FillSnapshot(const openstack::Snapshot& snapshot, const std::string& id,
                  ::csi::v1::Snapshot* out) {
  out->set_snapshot_id(id);
  out->set_source_volume_id(StrCat(snapshot.volume_id, id.substr(snapshot.id.size())));
  out->set_size_bytes(snapshot.size_gib * kGiB);
  out->set_ready_to_use(snapshot.status == "available");
  google::protobuf::Timestamp created;
  std::string stamp = snapshot.created_at;
  if (!stamp.empty() && stamp.back() != 'Z' && stamp.find('+') == std::string::npos) stamp += "Z";
  if (google::protobuf::util::TimeUtil::FromString(stamp, &created)) {
    *out->mutable_creation_time() = created;
  } else {
    *out->mutable_creation_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  }
}

// A snapshot of this name from an earlier attempt: reused when it is of the same volume, and
// removed when it failed (adopting it would answer every retry with the same error).
absl::StatusOr<std::string> ExistingSnapshot(openstack::CinderClient& cinder,
                                             const CallOptions& call, const std::string& name,
                                             const std::string& volume_id) {
  openstack::ListRequest by_name;
  by_name.name = name;
  auto existing = cinder.ListSnapshots(call, by_name);
  if (!existing.ok()) return existing.status();
  std::string found;
  for (const auto& snapshot : existing->snapshots) {
    if (snapshot.volume_id != volume_id) {
      return absl::AlreadyExistsError(StrCat(
          "snapshot ", name, " already exists for another volume (", snapshot.volume_id, ")"));
    }
    if (StartsWith(snapshot.status, "error")) {
      // Its copy of the wrapped DEK goes first, as in DeleteSnapshot.
      (void)cinder.DeleteSnapshotMetadataKey(call, snapshot.id, envelope::kMetaWrappedDek);
      absl::Status deleted = cinder.DeleteSnapshot(call, snapshot.id);
      log::Warning("deleting a failed snapshot of an earlier attempt",
                   {{"snapshot", snapshot.id},
                    {"name", name},
                    {"delete", deleted.ok() ? "ok" : std::string(deleted.message())}});
      continue;
    }
    if (snapshot.status != "deleting") found = snapshot.id;
  }
  return found;
}

absl::StatusOr<std::string> StartSnapshot(const cloud::Clients& clients, const CallOptions& call,
                                          const std::string& name, const std::string& volume_id,
                                          const std::string& cluster_id) {
  openstack::CinderClient& cinder = *clients.cinder;
  auto volume = cinder.GetVolume(call, volume_id);
  if (absl::IsNotFound(volume.status())) {
    return absl::NotFoundError(StrCat("source volume ", volume_id, " not found"));
  }
  if (!volume.ok()) return volume.status();
  auto descriptor = envelope::FromMetadata(volume->metadata);
  if (!descriptor.ok()) return descriptor.status();
  openstack::CreateSnapshotRequest create;
  create.volume_id = volume->id;
  create.name = name;
  create.description = "Created by byok.cinder.csi.openstack.org";
  create.force = volume->status == "in-use";
  create.metadata = envelope::ToMetadata(*descriptor);
  create.metadata[kMetaCreatedFor] = envelope::WrapNameOf(volume->metadata, volume->name);
  create.metadata[kMetaCluster] = cluster_id;
  cloud::RecordOwner(clients, create.metadata);
  auto created = cinder.CreateSnapshot(call, create);
  if (!created.ok()) {
    if (absl::IsResourceExhausted(created.status())) {
      return absl::ResourceExhaustedError(
          StrCat("Cinder snapshot quota exceeded: ", ToStd(created.status().message())));
    }
    return created.status();
  }
  if (created->volume_id != volume_id) {
    return absl::InternalError(StrCat("Cinder answered a snapshot of volume ", volume_id,
                                      " with snapshot ", created->id, " of volume ",
                                      created->volume_id));
  }
  log::Info("creating snapshot", {{"snapshot", created->id}, {"volume", volume_id}});
  return created->id;
}

}  // namespace

absl::Status ControllerService::DoCreateSnapshot(absl::Time deadline,
                                                 const ::csi::v1::CreateSnapshotRequest& request,
                                                 ::csi::v1::CreateSnapshotResponse* response) {
  if (request.name().empty()) return absl::InvalidArgumentError("name is required");
  if (request.source_volume_id().empty()) {
    return absl::InvalidArgumentError("source_volume_id is required");
  }
  auto source = cloud::ParseHandle(request.source_volume_id(), "source volume");
  if (!source.ok()) return source.status();
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  // The snapshot is made by the source's owner, in its project.
  auto session = BeginOn(StrCat("snapshot/", request.name()), *source,
                         StrCat("source volume ", request.source_volume_id()), *secret, deadline,
                         kSnapshotSecretHint);
  if (!session.ok()) return session.status();
  openstack::CinderClient& cinder = *session->clients.cinder;
  const CallOptions& call = session->call;

  auto snapshot_id = ExistingSnapshot(cinder, call, request.name(), source->cinder_id);
  if (!snapshot_id.ok()) return snapshot_id.status();
  if (snapshot_id->empty()) {
    snapshot_id = StartSnapshot(session->clients, call, request.name(), source->cinder_id,
                                options_.cluster_id);
    if (!snapshot_id.ok()) return snapshot_id.status();
  }
  auto ready = WaitForSnapshot(cinder, *snapshot_id, deadline);
  if (absl::IsDeadlineExceeded(ready.status())) {
    return absl::AbortedError(StrCat("snapshot ", *snapshot_id, " is still being created; retry"));
  }
  if (!ready.ok()) return ready.status();
  if (auto key = ready->metadata.find(envelope::kMetaKeyId); key != ready->metadata.end()) {
    cloud::RegisterKeyConsumer(session->clients, call, key->second, cloud::kConsumerSnapshot,
                               ready->id);
  }
  // The ID names the identity that made it, never what the (tenant-writable) metadata says.
  FillSnapshot(*ready, cloud::HandleFor(ready->id, session->clients), response->mutable_snapshot());
  return absl::OkStatus();
}

absl::Status ControllerService::DoDeleteSnapshot(absl::Time deadline,
                                                 const ::csi::v1::DeleteSnapshotRequest& request) {
  if (request.snapshot_id().empty()) return absl::InvalidArgumentError("snapshot_id is required");
  if (!cloud::ParseHandle(request.snapshot_id(), "snapshot").ok()) {
    return absl::OkStatus();  // Not an ID this driver hands out: nothing to delete.
  }
  cloud::Handle handle;
  auto session = BeginOnId(request.snapshot_id(), "snapshot", request.secrets(), deadline,
                           kSnapshotSecretHint, &handle);
  if (!session.ok()) return session.status();
  openstack::CinderClient& cinder = *session->clients.cinder;
  const CallOptions& call = session->call;
  auto snapshot = cinder.GetSnapshot(call, handle.cinder_id);
  if (absl::IsNotFound(snapshot.status())) return absl::OkStatus();
  if (!snapshot.ok()) return snapshot.status();
  if (snapshot->status == "creating") {
    // Cinder refuses to delete a snapshot it is still taking; wait for it to settle.
    auto settled = WaitForSnapshot(cinder, handle.cinder_id, deadline);
    if (absl::IsDeadlineExceeded(settled.status())) {
      return absl::AbortedError(
          StrCat("snapshot ", handle.cinder_id, " is still being created; retry the delete"));
    }
  }
  if (snapshot->metadata.count(envelope::kMetaWrappedDek) > 0) {
    // Crypto-erase: the snapshot's copy of the wrapped DEK opens the volume's data as well.
    absl::Status erased =
        cinder.DeleteSnapshotMetadataKey(call, handle.cinder_id, envelope::kMetaWrappedDek);
    if (!erased.ok() && !absl::IsNotFound(erased)) {
      return openstack::Annotate(erased, StrCat("could not crypto-erase snapshot ",
                                                handle.cinder_id, ", so it was not deleted"));
    }
  }
  absl::Status deleted = cinder.DeleteSnapshot(call, handle.cinder_id);
  if (absl::IsNotFound(deleted)) return absl::OkStatus();
  if (absl::IsInvalidArgument(deleted)) {
    return absl::FailedPreconditionError(StrCat("Cinder refused to delete snapshot ",
                                                request.snapshot_id(), ": ",
                                                ToStd(deleted.message())));
  }
  if (!deleted.ok()) return deleted;
  log::Info("deleted snapshot", {{"snapshot", handle.cinder_id}});
  if (auto key = snapshot->metadata.find(envelope::kMetaKeyId); key != snapshot->metadata.end()) {
    cloud::RemoveKeyConsumer(session->clients, call, key->second, cloud::kConsumerSnapshot,
                             handle.cinder_id);
  }
  return absl::OkStatus();
}

absl::Status ControllerService::DoListSnapshots(absl::Time deadline,
                                                const ::csi::v1::ListSnapshotsRequest& request,
                                                ::csi::v1::ListSnapshotsResponse* response) {
  if (request.max_entries() < 0) return absl::InvalidArgumentError("max_entries must be >= 0");
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  CallOptions call;
  call.deadline = deadline;
  if (!request.snapshot_id().empty()) {
    auto handle = cloud::ParseHandle(request.snapshot_id(), "snapshot");
    if (!handle.ok()) return absl::OkStatus();  // empty list
    auto clients =
        cloud::OwnerClients(*cloud_, *handle, *secret, deadline,
                            StrCat("snapshot ", request.snapshot_id()), kSnapshotSecretHint);
    if (!clients.ok()) return clients.status();
    auto snapshot = clients->cinder->GetSnapshot(call, handle->cinder_id);
    if (absl::IsNotFound(snapshot.status())) return absl::OkStatus();  // empty list
    if (!snapshot.ok()) return snapshot.status();
    ::csi::v1::Snapshot entry;
    FillSnapshot(*snapshot, request.snapshot_id(), &entry);
    if (request.source_volume_id().empty() ||
        entry.source_volume_id() == request.source_volume_id()) {
      *response->add_entries()->mutable_snapshot() = entry;
    }
    return absl::OkStatus();
  }
  auto clients = cloud_->ForSecret(*secret, deadline);
  if (!clients.ok()) return clients.status();
  openstack::ListRequest list;
  list.limit = request.max_entries();
  list.marker = request.starting_token();
  if (!request.source_volume_id().empty()) {
    auto source = cloud::ParseHandle(request.source_volume_id(), "volume");
    if (!source.ok()) return absl::OkStatus();  // empty list
    list.volume_id = source->cinder_id;
  }
  auto page = clients->cinder->ListSnapshots(call, list);
  if (!page.ok()) return ListPageError(page.status(), request.starting_token());
  for (const auto& snapshot : page->snapshots) {
    FillSnapshot(snapshot, cloud::HandleFromMetadata(snapshot.id, snapshot.metadata),
                 response->add_entries()->mutable_snapshot());
  }
  response->set_next_token(page->next_marker);
  return absl::OkStatus();
}

}  // namespace byok::controller
