// ControllerService: the gRPC surface. Each method derives the deadline and converts the
// absl::Status of its Do* body in one place (csi::ToGrpcStatus).
#include "controller/controller_service.h"

#include "common/strings.h"
#include "csi/deadline.h"
#include "csi/grpc_status.h"

namespace byok::controller {

using ::csi::v1::ControllerServiceCapability;

absl::Time ControllerService::DeadlineOf(const grpc::ServerContext* context) const {
  return csi::RpcDeadline(context, options_.default_timeout);
}

absl::StatusOr<ControllerService::Session> ControllerService::Begin(
    const std::string& key, std::string_view activity, const cloud::RequestSecret& secret,
    absl::Time deadline) {
  auto guard = inflight_.TryAcquire(key);
  if (!guard) return csi::AlreadyInProgress(activity);
  auto clients = cloud_->ForSecret(secret, deadline);
  if (!clients.ok()) return clients.status();
  openstack::CallOptions call;
  call.deadline = deadline;
  return Session{*std::move(guard), *std::move(clients), call};
}

absl::StatusOr<ControllerService::Session> ControllerService::BeginOn(
    const std::string& key, const cloud::Handle& handle, const std::string& what,
    const cloud::RequestSecret& secret, absl::Time deadline, std::string_view secret_hint) {
  auto guard = inflight_.TryAcquire(key);
  if (!guard) return csi::AlreadyInProgress(StrCat("an operation on ", what));
  auto clients = cloud::OwnerClients(*cloud_, handle, secret, deadline, what, secret_hint);
  if (!clients.ok()) return clients.status();
  openstack::CallOptions call;
  call.deadline = deadline;
  return Session{*std::move(guard), *std::move(clients), call};
}

absl::StatusOr<ControllerService::Session> ControllerService::BeginOnId(
    const std::string& csi_id, std::string_view kind,
    const google::protobuf::Map<std::string, std::string>& secrets, absl::Time deadline,
    std::string_view secret_hint, cloud::Handle* handle) {
  auto parsed = cloud::ParseHandle(csi_id, kind);
  if (!parsed.ok()) return parsed.status();
  auto secret = cloud::ParseRequestSecretOf(secrets);
  if (!secret.ok()) return secret.status();
  *handle = *std::move(parsed);
  return BeginOn(StrCat(kind, "-id/", handle->cinder_id), *handle, StrCat(kind, " ", csi_id),
                 *secret, deadline, secret_hint);
}

grpc::Status ControllerService::CreateVolume(grpc::ServerContext* context,
                                             const ::csi::v1::CreateVolumeRequest* request,
                                             ::csi::v1::CreateVolumeResponse* response) {
  return csi::ToGrpcStatus(DoCreateVolume(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::DeleteVolume(grpc::ServerContext* context,
                                             const ::csi::v1::DeleteVolumeRequest* request,
                                             ::csi::v1::DeleteVolumeResponse*) {
  return csi::ToGrpcStatus(DoDeleteVolume(DeadlineOf(context), *request));
}

grpc::Status ControllerService::ControllerPublishVolume(
    grpc::ServerContext* context, const ::csi::v1::ControllerPublishVolumeRequest* request,
    ::csi::v1::ControllerPublishVolumeResponse* response) {
  return csi::ToGrpcStatus(DoPublish(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::ControllerUnpublishVolume(
    grpc::ServerContext* context, const ::csi::v1::ControllerUnpublishVolumeRequest* request,
    ::csi::v1::ControllerUnpublishVolumeResponse*) {
  return csi::ToGrpcStatus(DoUnpublish(DeadlineOf(context), *request));
}

grpc::Status ControllerService::ValidateVolumeCapabilities(
    grpc::ServerContext* context, const ::csi::v1::ValidateVolumeCapabilitiesRequest* request,
    ::csi::v1::ValidateVolumeCapabilitiesResponse* response) {
  return csi::ToGrpcStatus(DoValidate(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::ListVolumes(grpc::ServerContext* context,
                                            const ::csi::v1::ListVolumesRequest* request,
                                            ::csi::v1::ListVolumesResponse* response) {
  return csi::ToGrpcStatus(DoListVolumes(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::GetCapacity(grpc::ServerContext* context,
                                            const ::csi::v1::GetCapacityRequest* request,
                                            ::csi::v1::GetCapacityResponse* response) {
  return csi::ToGrpcStatus(DoGetCapacity(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::ControllerGetCapabilities(
    grpc::ServerContext*, const ::csi::v1::ControllerGetCapabilitiesRequest*,
    ::csi::v1::ControllerGetCapabilitiesResponse* response) {
  for (auto type : {ControllerServiceCapability::RPC::CREATE_DELETE_VOLUME,
                    ControllerServiceCapability::RPC::PUBLISH_UNPUBLISH_VOLUME,
                    ControllerServiceCapability::RPC::LIST_VOLUMES,
                    ControllerServiceCapability::RPC::GET_CAPACITY,
                    ControllerServiceCapability::RPC::CREATE_DELETE_SNAPSHOT,
                    ControllerServiceCapability::RPC::LIST_SNAPSHOTS,
                    ControllerServiceCapability::RPC::CLONE_VOLUME,
                    ControllerServiceCapability::RPC::EXPAND_VOLUME,
                    ControllerServiceCapability::RPC::LIST_VOLUMES_PUBLISHED_NODES,
                    ControllerServiceCapability::RPC::VOLUME_CONDITION,
                    ControllerServiceCapability::RPC::GET_VOLUME,
                    ControllerServiceCapability::RPC::SINGLE_NODE_MULTI_WRITER,
                    ControllerServiceCapability::RPC::MODIFY_VOLUME}) {
    response->add_capabilities()->mutable_rpc()->set_type(type);
  }
  return grpc::Status::OK;
}

grpc::Status ControllerService::CreateSnapshot(grpc::ServerContext* context,
                                               const ::csi::v1::CreateSnapshotRequest* request,
                                               ::csi::v1::CreateSnapshotResponse* response) {
  return csi::ToGrpcStatus(DoCreateSnapshot(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::DeleteSnapshot(grpc::ServerContext* context,
                                               const ::csi::v1::DeleteSnapshotRequest* request,
                                               ::csi::v1::DeleteSnapshotResponse*) {
  return csi::ToGrpcStatus(DoDeleteSnapshot(DeadlineOf(context), *request));
}

grpc::Status ControllerService::ListSnapshots(grpc::ServerContext* context,
                                              const ::csi::v1::ListSnapshotsRequest* request,
                                              ::csi::v1::ListSnapshotsResponse* response) {
  return csi::ToGrpcStatus(DoListSnapshots(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::ControllerExpandVolume(
    grpc::ServerContext* context, const ::csi::v1::ControllerExpandVolumeRequest* request,
    ::csi::v1::ControllerExpandVolumeResponse* response) {
  return csi::ToGrpcStatus(DoExpand(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::ControllerGetVolume(
    grpc::ServerContext* context, const ::csi::v1::ControllerGetVolumeRequest* request,
    ::csi::v1::ControllerGetVolumeResponse* response) {
  return csi::ToGrpcStatus(DoGetVolume(DeadlineOf(context), *request, response));
}

grpc::Status ControllerService::ControllerModifyVolume(
    grpc::ServerContext* context, const ::csi::v1::ControllerModifyVolumeRequest* request,
    ::csi::v1::ControllerModifyVolumeResponse*) {
  return csi::ToGrpcStatus(DoModifyVolume(DeadlineOf(context), *request));
}

}  // namespace byok::controller
