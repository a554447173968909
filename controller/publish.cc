// ControllerPublishVolume / ControllerUnpublishVolume through Nova's os-volume_attachments.
#include "common/log.h"
#include "common/strings.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/volume_capabilities.h"
#include "controller/wait.h"

namespace byok::controller {

using openstack::CallOptions;

namespace {

constexpr char kPublishSecretHint[] =
    "set csi.storage.k8s.io/controller-publish-secret-name and -namespace in the StorageClass "
    "to the tenant's Secret (the chart's attacher may read Secrets for this)";

bool AttachedTo(const openstack::Volume& volume, const std::string& server_id) {
  for (const auto& a : volume.attachments) {
    if (a.server_id == server_id) return true;
  }
  return false;
}

}  // namespace

absl::Status ControllerService::DoPublish(absl::Time deadline,
                                          const ::csi::v1::ControllerPublishVolumeRequest& request,
                                          ::csi::v1::ControllerPublishVolumeResponse* response) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  if (request.node_id().empty()) return absl::InvalidArgumentError("node_id is required");
  if (!request.has_volume_capability()) {
    return absl::InvalidArgumentError("volume_capability is required");
  }
  if (absl::Status s = CheckCapability(request.volume_capability()); !s.ok()) return s;
  cloud::Handle handle;
  auto session = BeginOnId(request.volume_id(), "volume", request.secrets(), deadline,
                           kPublishSecretHint, &handle);
  if (!session.ok()) return session.status();
  const cloud::Clients* clients = &session->clients;
  const CallOptions& call = session->call;

  auto volume = GetNamedVolume(*clients->cinder, call, handle.cinder_id);
  if (!volume.ok()) return volume.status();
  auto server = clients->nova->GetServer(call, request.node_id());
  if (absl::IsNotFound(server.status()) && clients->tenant) {
    // Nova attaches a volume only to a server of the volume's own project.
    return absl::FailedPreconditionError(StrCat(
        "node ", request.node_id(), " is not a Nova server of project ", clients->project_id,
        ", which owns volume ", request.volume_id(),
        ": a volume made with a tenant's application credential can be attached only to nodes "
        "of that same project"));
  }
  if (absl::IsNotFound(server.status())) {
    return absl::NotFoundError(StrCat("node ", request.node_id(), " is not a Nova server"));
  }
  if (!server.ok()) return server.status();

  for (const auto& a : volume->attachments) {
    if (a.server_id != request.node_id()) {
      return absl::FailedPreconditionError(
          StrCat("volume ", volume->id, " is attached to another node (", a.server_id, ")"));
    }
  }
  if (!AttachedTo(*volume, request.node_id())) {
    if (volume->status != "available" && volume->status != "attaching" &&
        volume->status != "reserved") {
      return absl::FailedPreconditionError(
          StrCat("volume ", volume->id, " is ", volume->status, " and cannot be attached"));
    }
    if (volume->status == "available") {
      auto attached = clients->nova->AttachVolume(call, request.node_id(), volume->id);
      if (!attached.ok()) {
        std::string lower = ToLower(ToStd(attached.status().message()));
        if (Contains(lower, "maximum") || Contains(lower, "limit") ||
            absl::IsResourceExhausted(attached.status())) {
          return absl::ResourceExhaustedError(
              StrCat("node ", request.node_id(),
                     " cannot take more volumes: ", ToStd(attached.status().message())));
        }
        if (absl::IsFailedPrecondition(attached.status())) {
          // 409: the volume or server is busy; the attacher retries.
          return absl::AbortedError(attached.status().message());
        }
        return attached.status();
      }
      log::Info("attaching volume", {{"volume", volume->id}, {"node", request.node_id()}});
    }
  }
  auto in_use =
      WaitForVolume(*clients->cinder, volume->id, {"in-use"}, deadline,
                    [&](const openstack::Volume& v) { return AttachedTo(v, request.node_id()); });
  if (absl::IsDeadlineExceeded(in_use.status())) {
    return absl::AbortedError(StrCat("volume ", volume->id, " is still attaching; retry"));
  }
  if (!in_use.ok()) return in_use.status();
  // Nothing secret and nothing the node should trust: it finds the disk by serial and
  // reads the encryption descriptor from Cinder.
  (*response->mutable_publish_context())["attached-to"] = request.node_id();
  return absl::OkStatus();
}

absl::Status ControllerService::DoUnpublish(
    absl::Time deadline, const ::csi::v1::ControllerUnpublishVolumeRequest& request) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  // An ID that is not ours names no volume, which is then unpublished everywhere.
  if (!cloud::ParseHandle(request.volume_id(), "volume").ok()) return absl::OkStatus();
  cloud::Handle handle;
  auto session = BeginOnId(request.volume_id(), "volume", request.secrets(), deadline,
                           kPublishSecretHint, &handle);
  if (!session.ok()) return session.status();
  const cloud::Clients* clients = &session->clients;
  const CallOptions& call = session->call;
  auto volume = clients->cinder->GetVolume(call, handle.cinder_id);
  if (absl::IsNotFound(volume.status())) return absl::OkStatus();
  if (!volume.ok()) return volume.status();

  std::vector<std::string> servers;
  for (const auto& a : volume->attachments) {
    if (request.node_id().empty() || a.server_id == request.node_id()) {
      servers.push_back(a.server_id);
    }
  }
  for (const std::string& server : servers) {
    absl::Status detached = clients->nova->DetachVolume(call, server, volume->id);
    if (!detached.ok() && !absl::IsNotFound(detached)) {
      if (absl::IsFailedPrecondition(detached)) return absl::AbortedError(detached.message());
      return detached;
    }
    log::Info("detaching volume", {{"volume", volume->id}, {"node", server}});
  }
  auto done = WaitForVolume(*clients->cinder, volume->id, {"available", "in-use"}, deadline,
                            [&](const openstack::Volume& v) {
                              for (const std::string& s : servers) {
                                if (AttachedTo(v, s)) return false;
                              }
                              return v.status != "detaching";
                            });
  if (absl::IsNotFound(done.status())) return absl::OkStatus();
  if (absl::IsDeadlineExceeded(done.status())) {
    return absl::AbortedError(StrCat("volume ", volume->id, " is still detaching; retry"));
  }
  return done.status();
}

}  // namespace byok::controller
