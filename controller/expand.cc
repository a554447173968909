// ControllerExpandVolume: os-extend, attached volumes included (microversion 3.42); the node
// then grows LUKS and the filesystem.
#include "common/log.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/wait.h"

namespace byok::controller {

namespace {

// Cinder leaves a volume whose extend failed in error_extending, which only an administrator
// can reset (Cinder keeps the old size).
constexpr std::string_view kAfterFailedExtend =
    "; an administrator resets it with `openstack volume set --state available` (or in-use "
    "when attached) before a new attempt";

// The backend refused the extend. Many (Cinder's NFS driver among them) cannot extend an
// attached volume: the user can detach (stop the pod) and expand again.
absl::Status ExtendFailed(openstack::CinderClient& cinder, const openstack::Volume& volume) {
  const bool attached = volume.status == "in-use";
  return absl::FailedPreconditionError(StrCat(
      "Cinder's backend failed to extend volume ", volume.id,
      attached ? " while it is attached" : "", " (", FaultOf(cinder, volume.id), ")",
      attached ? "; if the backend cannot extend attached volumes, expand it while no pod uses it"
               : "",
      kAfterFailedExtend));
}

}  // namespace

absl::Status ControllerService::DoExpand(absl::Time deadline,
                                         const ::csi::v1::ControllerExpandVolumeRequest& request,
                                         ::csi::v1::ControllerExpandVolumeResponse* response) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  if (!request.has_capacity_range()) {
    return absl::InvalidArgumentError("capacity_range is required");
  }
  auto size_gib = SizeGiBFor(request.capacity_range());
  if (!size_gib.ok()) return size_gib.status();
  cloud::Handle handle;
  auto session = BeginOnId(request.volume_id(), "volume", request.secrets(), deadline,
                           "set csi.storage.k8s.io/controller-expand-secret-name and -namespace "
                           "in the StorageClass to the tenant's Secret",
                           &handle);
  if (!session.ok()) return session.status();
  const cloud::Clients* clients = &session->clients;
  const openstack::CallOptions& call = session->call;
  auto volume = GetNamedVolume(*clients->cinder, call, handle.cinder_id);
  if (!volume.ok()) return volume.status();
  if (volume->status == "extending") {
    return absl::AbortedError(StrCat("volume ", volume->id, " is being extended; retry"));
  }
  if (volume->size_gib < *size_gib) {
    if (volume->status != "available" && volume->status != "in-use") {
      return absl::FailedPreconditionError(
          StrCat("volume ", volume->id, " is ", volume->status, " and cannot be extended",
                 volume->status == "error_extending" ? kAfterFailedExtend : ""));
    }
    openstack::CallOptions extend = call;
    if (volume->status == "in-use") extend.microversion = openstack::kCinderExtendInUse;
    absl::Status extended = clients->cinder->ExtendVolume(extend, volume->id, *size_gib);
    if (absl::IsResourceExhausted(extended)) {
      return absl::ResourceExhaustedError(
          StrCat("Cinder quota exceeded: ", ToStd(extended.message())));
    }
    if (!extended.ok()) return extended;
    log::Info("extending volume", {{"volume", volume->id},
                                   {"from_gib", std::to_string(volume->size_gib)},
                                   {"to_gib", std::to_string(*size_gib)}});
    int64_t want = *size_gib;
    auto done = WaitForVolume(*clients->cinder, volume->id, {"available", "in-use"}, deadline,
                              [want](const openstack::Volume& v) { return v.size_gib >= want; });
    if (absl::IsDeadlineExceeded(done.status())) {
      return absl::AbortedError(StrCat("volume ", volume->id, " is still extending; retry"));
    }
    if (absl::IsInternal(done.status())) {
      return ExtendFailed(*clients->cinder, *volume);
    }
    if (!done.ok()) return done.status();
    volume = *std::move(done);
  }
  response->set_capacity_bytes(volume->size_gib * kGiB);
  // The LUKS mapping and the filesystem on the node must grow too, for block volumes as
  // well (the mapping is what the pod sees).
  response->set_node_expansion_required(true);
  return absl::OkStatus();
}

}  // namespace byok::controller
