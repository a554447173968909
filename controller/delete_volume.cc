// DeleteVolume: any duplicate an interrupted create left, then crypto-erase and delete.
#include "cloud/key_consumers.h"
#include "common/log.h"
#include "common/strings.h"
#include "controller/controller_service.h"
#include "controller/wait.h"
#include "openstack/errors.h"

namespace byok::controller {

using openstack::CallOptions;

namespace {

bool Attached(const openstack::Volume& volume) {
  return !volume.attachments.empty() || volume.status == "in-use" || volume.status == "attaching" ||
         volume.status == "detaching";
}

// The number of the volume's snapshots that are not being deleted. Snapshots DeleteSnapshot
// has already answered OK for may still be `deleting` in Cinder, which refuses to delete
// the volume until they are gone; a CO deletes snapshots before their volume (csi-sanity and
// the snapshotter do), so those are waited for, up to the call's deadline (then ABORTED: the
// CO retries).
absl::StatusOr<size_t> LiveSnapshotsOf(openstack::CinderClient& cinder, const CallOptions& call,
                                       const std::string& volume_id) {
  openstack::ListRequest of;
  of.volume_id = volume_id;
  for (int attempt = 0;; ++attempt) {
    auto page = cinder.ListSnapshots(call, of);
    if (!page.ok()) return page.status();
    size_t live = 0, deleting = 0;
    for (const auto& s : page->snapshots) ++(s.status == "deleting" ? deleting : live);
    if (live > 0 || deleting == 0) return live;
    if (absl::Now() + PollInterval(attempt) > call.deadline) {
      return absl::AbortedError(StrCat("volume ", volume_id, ": Cinder is still deleting ",
                                       deleting, " of its snapshot(s); retry"));
    }
    absl::SleepFor(PollInterval(attempt));
  }
}

// Refuses volumes with snapshots (Cinder would refuse the delete after the key is gone),
// removes the wrapped DEK of envelope volumes, then deletes.
absl::Status EraseAndDelete(openstack::CinderClient& cinder, const CallOptions& call,
                            const openstack::Volume& volume) {
  // Cinder refuses to delete a volume with snapshots; say so before erasing its key, or the
  // volume would survive the failed delete unreadable.
  auto snapshots = LiveSnapshotsOf(cinder, call, volume.id);
  if (!snapshots.ok()) return snapshots.status();
  if (*snapshots > 0) {
    return absl::FailedPreconditionError(
        StrCat("volume ", volume.id, " still has ", *snapshots, " snapshot(s); delete them first"));
  }
  auto descriptor = envelope::FromMetadata(volume.metadata);
  if (descriptor.ok() && descriptor->mode == envelope::Mode::kEnvelope) {
    // Crypto-erase: without the wrapped DEK the data on the volume (and any copy of the
    // backing file) can never be decrypted again, whatever Cinder does with the blocks.
    absl::Status erased =
        cinder.DeleteVolumeMetadataKey(call, volume.id, envelope::kMetaWrappedDek);
    if (!erased.ok() && !absl::IsNotFound(erased)) {
      return openstack::Annotate(erased, StrCat("could not crypto-erase volume ", volume.id,
                                                " (remove its wrapped data key), so it was not "
                                                "deleted"));
    }
    log::Info("crypto-erased volume", {{"volume", volume.id}});
  }
  absl::Status deleted = cinder.DeleteVolume(call, volume.id);
  if (absl::IsNotFound(deleted)) return absl::OkStatus();
  if (absl::IsInvalidArgument(deleted) || absl::IsFailedPrecondition(deleted)) {
    return absl::FailedPreconditionError(
        StrCat("Cinder refused to delete volume ", volume.id, ": ", ToStd(deleted.message())));
  }
  return deleted;
}

// A create whose POST outlived the caller's deadline (a hung or slow Cinder API) may be
// carried out after the provisioner's retry created the volume it got: a second volume of
// the same CSI name that nobody knows. It has no other owner (CSI names are unique per
// cluster), so it goes with the volume it duplicates. Best effort: failures are logged.
void RemoveDuplicates(openstack::CinderClient& cinder, const CallOptions& call,
                      const openstack::Volume& deleted, const std::string& cluster) {
  // `deleted`: the volume this DeleteVolume is for (about to be deleted).
  auto name = deleted.metadata.find(kMetaCreatedFor);
  auto tag = deleted.metadata.find(kMetaCluster);
  if (name == deleted.metadata.end() || tag == deleted.metadata.end() || tag->second != cluster) {
    return;
  }
  openstack::ListRequest same;
  same.name = name->second;
  same.metadata[kMetaCreatedFor] = name->second;
  same.metadata[kMetaCluster] = cluster;
  auto page = cinder.ListVolumes(call, same);
  if (!page.ok()) {
    log::Warning("could not look for duplicates of a deleted volume",
                 {{"volume", deleted.id}, {"error", std::string(page.status().message())}});
    return;
  }
  for (const openstack::Volume& v : page->volumes) {
    if (v.id == deleted.id || v.status == "deleting") continue;
    if (Attached(v) || v.status == "creating") {
      log::Warning("duplicate of a deleted volume left alone",
                   {{"volume", v.id}, {"duplicates", deleted.id}, {"status", v.status}});
      continue;
    }
    absl::Status s = EraseAndDelete(cinder, call, v);
    if (s.ok()) {
      log::Warning("deleted a duplicate left by an interrupted create",
                   {{"volume", v.id}, {"duplicates", deleted.id}, {"name", name->second}});
    } else {
      log::Warning("could not delete a duplicate left by an interrupted create",
                   {{"volume", v.id},
                    {"duplicates", deleted.id},
                    {"name", name->second},
                    {"error", std::string(s.message())}});
    }
  }
}

}  // namespace

absl::Status ControllerService::DoDeleteVolume(absl::Time deadline,
                                               const ::csi::v1::DeleteVolumeRequest& request) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  // A tenant's volume is deleted as that tenant, so that NotFound means gone (and not "in a
  // project this identity cannot see"); the provisioner passes the create Secret again.
  auto handle = cloud::ParseHandle(request.volume_id(), "volume");
  if (!handle.ok()) return absl::OkStatus();  // Not an ID this driver hands out: nothing to do.
  auto session = BeginOn(StrCat("volume-id/", handle->cinder_id), *handle,
                         StrCat("volume ", request.volume_id()), *secret, deadline,
                         "the provisioner Secret (csi.storage.k8s.io/provisioner-secret-name) "
                         "must still carry the tenant's credential when the PV is deleted");
  if (!session.ok()) return session.status();
  const CallOptions& call = session->call;
  std::shared_ptr<openstack::CinderClient> owner = session->clients.cinder;

  auto volume = owner->GetVolume(call, handle->cinder_id);
  if (absl::IsNotFound(volume.status()) && handle->project_id.empty() && secret->credential) {
    // Volumes a tenant created before CSI IDs carried their project have bare IDs too, and
    // live in the tenant's project: look there before calling the volume gone.
    auto tenant = cloud_->ForSecret(*secret, deadline);
    if (!tenant.ok()) return tenant.status();
    owner = tenant->cinder;
    volume = owner->GetVolume(call, handle->cinder_id);
  }
  if (absl::IsNotFound(volume.status())) return absl::OkStatus();  // Already gone.
  if (!volume.ok()) return volume.status();
  openstack::CinderClient& cinder = *owner;
  if (volume->status == "deleting") return absl::OkStatus();
  if (Attached(*volume)) {
    std::string servers;
    for (const auto& a : volume->attachments)
      StrAppend(&servers, servers.empty() ? "" : ", ", a.server_id);
    return absl::FailedPreconditionError(StrCat(
        "volume ", volume->id, " is ", volume->status, servers.empty() ? "" : " (attached to ",
        servers, servers.empty() ? "" : ")", "; unpublish it first"));
  }
  // Duplicates first: once the volume itself is gone a retry of this call answers OK at
  // once and would never look for them.
  RemoveDuplicates(cinder, call, *volume, options_.cluster_id);
  if (absl::Status s = EraseAndDelete(cinder, call, *volume); !s.ok()) return s;
  log::Info("deleted volume", {{"volume", volume->id}});
  if (auto key = volume->metadata.find(envelope::kMetaKeyId); key != volume->metadata.end()) {
    cloud::RemoveKeyConsumer(session->clients, call, key->second, cloud::kConsumerVolume,
                             volume->id);
  }
  return absl::OkStatus();
}

}  // namespace byok::controller
