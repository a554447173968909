// CreateSnapshot / DeleteSnapshot / ListSnapshots. A snapshot carries a copy of its
// volume's encryption descriptor, so a restore keeps the key binding even after the source
// volume is gone.
#include <google/protobuf/util/time_util.h>

#include "common/log.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/wait.h"

namespace byok::controller {

using openstack::CallOptions;

namespace {

void FillSnapshot(const openstack::Snapshot& snapshot, ::csi::v1::Snapshot* out) {
  out->set_snapshot_id(snapshot.id);
  out->set_source_volume_id(snapshot.volume_id);
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

}  // namespace

absl::Status ControllerService::DoCreateSnapshot(absl::Time deadline,
                                                 const ::csi::v1::CreateSnapshotRequest& request,
                                                 ::csi::v1::CreateSnapshotResponse* response) {
  if (request.name().empty()) return absl::InvalidArgumentError("name is required");
  if (request.source_volume_id().empty()) {
    return absl::InvalidArgumentError("source_volume_id is required");
  }
  auto session = Begin(StrCat("snapshot/", request.name()),
                       StrCat("a CreateSnapshot for ", request.name()), request.secrets(), deadline);
  if (!session.ok()) return session.status();
  openstack::CinderClient& cinder = *session->clients.cinder;
  const CallOptions& call = session->call;

  openstack::ListRequest by_name;
  by_name.name = request.name();
  auto existing = cinder.ListSnapshots(call, by_name);
  if (!existing.ok()) return existing.status();
  std::string snapshot_id;
  for (const auto& snapshot : existing->snapshots) {
    if (snapshot.volume_id != request.source_volume_id()) {
      return absl::AlreadyExistsError(StrCat("snapshot ", request.name(),
                                             " already exists for another volume (",
                                             snapshot.volume_id, ")"));
    }
    snapshot_id = snapshot.id;
  }
  if (snapshot_id.empty()) {
    auto volume = cinder.GetVolume(call, request.source_volume_id());
    if (absl::IsNotFound(volume.status())) {
      return absl::NotFoundError(
          StrCat("source volume ", request.source_volume_id(), " not found"));
    }
    if (!volume.ok()) return volume.status();
    auto descriptor = envelope::FromMetadata(volume->metadata);
    if (!descriptor.ok()) return descriptor.status();
    openstack::CreateSnapshotRequest create;
    create.volume_id = volume->id;
    create.name = request.name();
    create.description = "Created by byok.cinder.csi.openstack.org";
    create.force = volume->status == "in-use";
    create.metadata = envelope::ToMetadata(*descriptor);
    if (auto it = volume->metadata.find(kMetaCreatedFor); it != volume->metadata.end()) {
      create.metadata[kMetaCreatedFor] = it->second;
    }
    create.metadata[kMetaCluster] = options_.cluster_id;
    auto created = cinder.CreateSnapshot(call, create);
    if (!created.ok()) {
      if (absl::IsResourceExhausted(created.status())) {
        return absl::ResourceExhaustedError(
            StrCat("Cinder snapshot quota exceeded: ", ToStd(created.status().message())));
      }
      return created.status();
    }
    snapshot_id = created->id;
    log::Info("creating snapshot", {{"snapshot", snapshot_id}, {"volume", volume->id}});
  }
  auto ready = WaitForSnapshot(cinder, snapshot_id, deadline);
  if (absl::IsDeadlineExceeded(ready.status())) {
    return absl::AbortedError(StrCat("snapshot ", snapshot_id, " is still being created; retry"));
  }
  if (!ready.ok()) return ready.status();
  FillSnapshot(*ready, response->mutable_snapshot());
  return absl::OkStatus();
}

absl::Status ControllerService::DoDeleteSnapshot(absl::Time deadline,
                                                 const ::csi::v1::DeleteSnapshotRequest& request) {
  if (request.snapshot_id().empty()) return absl::InvalidArgumentError("snapshot_id is required");
  auto session = Begin(StrCat("snapshot-id/", request.snapshot_id()),
                       StrCat("an operation on snapshot ", request.snapshot_id()),
                       request.secrets(), deadline);
  if (!session.ok()) return session.status();
  absl::Status deleted = session->clients.cinder->DeleteSnapshot(session->call, request.snapshot_id());
  if (absl::IsNotFound(deleted)) return absl::OkStatus();
  if (absl::IsInvalidArgument(deleted)) {
    return absl::FailedPreconditionError(StrCat("Cinder refused to delete snapshot ",
                                                request.snapshot_id(), ": ",
                                                ToStd(deleted.message())));
  }
  return deleted;
}

absl::Status ControllerService::DoListSnapshots(absl::Time deadline,
                                                const ::csi::v1::ListSnapshotsRequest& request,
                                                ::csi::v1::ListSnapshotsResponse* response) {
  if (request.max_entries() < 0) return absl::InvalidArgumentError("max_entries must be >= 0");
  auto clients = cloud_->ForSecrets({request.secrets().begin(), request.secrets().end()});
  if (!clients.ok()) return clients.status();
  CallOptions call;
  call.deadline = deadline;
  if (!request.snapshot_id().empty()) {
    auto snapshot = clients->cinder->GetSnapshot(call, request.snapshot_id());
    if (absl::IsNotFound(snapshot.status())) return absl::OkStatus();  // empty list
    if (!snapshot.ok()) return snapshot.status();
    if (request.source_volume_id().empty() || snapshot->volume_id == request.source_volume_id()) {
      FillSnapshot(*snapshot, response->add_entries()->mutable_snapshot());
    }
    return absl::OkStatus();
  }
  openstack::ListRequest list;
  list.limit = request.max_entries();
  list.marker = request.starting_token();
  list.volume_id = request.source_volume_id();
  auto page = clients->cinder->ListSnapshots(call, list);
  if (!page.ok()) return ListPageError(page.status(), request.starting_token());
  for (const auto& snapshot : page->snapshots) {
    FillSnapshot(snapshot, response->add_entries()->mutable_snapshot());
  }
  response->set_next_token(page->next_marker);
  return absl::OkStatus();
}

}  // namespace byok::controller
