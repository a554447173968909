// DeleteVolume: crypto-erase, then delete.
#include "common/log.h"
#include "common/strings.h"
#include "controller/controller_service.h"
#include "controller/wait.h"

namespace byok::controller {

using openstack::CallOptions;

absl::Status ControllerService::DoDeleteVolume(absl::Time deadline,
                                               const ::csi::v1::DeleteVolumeRequest& request) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  // Delete secrets usually carry no tenant credentials (the PVC's annotation is gone by
  // then); the driver's identity is used unless they do.
  auto session = Begin(request.volume_id(), StrCat("an operation on volume ", request.volume_id()),
                       request.secrets(), deadline);
  if (!session.ok()) return session.status();
  openstack::CinderClient& cinder = *session->clients.cinder;
  const CallOptions& call = session->call;

  auto volume = cinder.GetVolume(call, request.volume_id());
  if (absl::IsNotFound(volume.status())) return absl::OkStatus();  // Already gone.
  if (!volume.ok()) return volume.status();
  if (volume->status == "deleting") return absl::OkStatus();
  if (!volume->attachments.empty() || volume->status == "in-use" ||
      volume->status == "attaching" || volume->status == "detaching") {
    std::string servers;
    for (const auto& a : volume->attachments) StrAppend(&servers, servers.empty() ? "" : ", ", a.server_id);
    return absl::FailedPreconditionError(StrCat("volume ", volume->id, " is ", volume->status,
                                                servers.empty() ? "" : " (attached to ", servers,
                                                servers.empty() ? "" : ")",
                                                "; unpublish it first"));
  }
  // Cinder refuses to delete a volume with snapshots; say so before erasing its key, or the
  // volume would survive the failed delete unreadable.
  openstack::ListRequest snapshots_of;
  snapshots_of.volume_id = volume->id;
  auto snapshots = cinder.ListSnapshots(call, snapshots_of);
  if (!snapshots.ok()) return snapshots.status();
  if (!snapshots->snapshots.empty()) {
    return absl::FailedPreconditionError(StrCat("volume ", volume->id, " still has ",
                                                snapshots->snapshots.size(),
                                                " snapshot(s); delete them first"));
  }

  auto descriptor = envelope::FromMetadata(volume->metadata);
  if (descriptor.ok() && descriptor->mode == envelope::Mode::kEnvelope) {
    // Crypto-erase: without the wrapped DEK the data on the volume (and any copy of the
    // backing file) can never be decrypted again, whatever Cinder does with the blocks.
    absl::Status erased =
        cinder.DeleteVolumeMetadataKey(call, volume->id, envelope::kMetaWrappedDek);
    if (!erased.ok() && !absl::IsNotFound(erased)) {
      return absl::Status(erased.code(),
                          StrCat("could not crypto-erase volume ", volume->id,
                                 " (remove its wrapped data key), so it was not deleted: ",
                                 ToStd(erased.message())));
    }
    log::Info("crypto-erased volume", {{"volume", volume->id}});
  }
  absl::Status deleted = cinder.DeleteVolume(call, volume->id);
  if (absl::IsNotFound(deleted)) return absl::OkStatus();
  if (absl::IsInvalidArgument(deleted) || absl::IsFailedPrecondition(deleted)) {
    return absl::FailedPreconditionError(
        StrCat("Cinder refused to delete volume ", volume->id, ": ", ToStd(deleted.message())));
  }
  if (!deleted.ok()) return deleted;
  log::Info("deleted volume", {{"volume", volume->id}});
  return absl::OkStatus();
}

}  // namespace byok::controller
