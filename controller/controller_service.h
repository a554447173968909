#pragma once

#include <memory>
#include <string>

#include "cloud/cloud_access.h"
#include "cloud/volume_handle.h"
#include "csi/csi.grpc.pb.h"
#include "csi/inflight.h"
#include "csi/topology.h"
#include "envelope/descriptor.h"

namespace byok::controller {

struct ControllerOptions {
  // Recorded on every volume (metadata "cinder.csi.openstack.org/cluster") so operators can
  // tell clusters apart in a shared project.
  std::string cluster_id = "kubernetes";
  // The Cinder microversion that accepts encryption_key_id on create (byok-for-cinder).
  std::string byok_microversion = "3.71";
  // Used when the caller sets no deadline.
  absl::Duration default_timeout = absl::Minutes(2);
};

// Topology key of the availability zone, shared with the node's NodeGetInfo.
using ::byok::csi::kTopologyZoneKey;
// Metadata keys (besides the encryption descriptor of envelope/descriptor.h).
inline constexpr char kMetaCluster[] = "cinder.csi.openstack.org/cluster";
inline constexpr const char* kMetaCreatedFor = envelope::kMetaCsiName;
// volume_context of ListVolumes and ControllerGetVolume entries: the Barbican key ID.
inline constexpr char kContextKeyId[] = "keyID";

// The CSI Controller service on Cinder and Nova. Every RPC validates its request before
// touching the cloud, takes a per-volume in-flight guard (a concurrent call for the same
// volume gets ABORTED), and is idempotent, so a sidecar may retry it after any failure or a
// crash of this process.
class ControllerService final : public ::csi::v1::Controller::Service {
 public:
  ControllerService(cloud::CloudAccess* cloud, ControllerOptions options)
      : cloud_(cloud), options_(std::move(options)) {}

  grpc::Status CreateVolume(grpc::ServerContext* context,
                            const ::csi::v1::CreateVolumeRequest* request,
                            ::csi::v1::CreateVolumeResponse* response) override;
  grpc::Status DeleteVolume(grpc::ServerContext* context,
                            const ::csi::v1::DeleteVolumeRequest* request,
                            ::csi::v1::DeleteVolumeResponse* response) override;
  grpc::Status ControllerPublishVolume(
      grpc::ServerContext* context, const ::csi::v1::ControllerPublishVolumeRequest* request,
      ::csi::v1::ControllerPublishVolumeResponse* response) override;
  grpc::Status ControllerUnpublishVolume(
      grpc::ServerContext* context, const ::csi::v1::ControllerUnpublishVolumeRequest* request,
      ::csi::v1::ControllerUnpublishVolumeResponse* response) override;
  grpc::Status ValidateVolumeCapabilities(
      grpc::ServerContext* context, const ::csi::v1::ValidateVolumeCapabilitiesRequest* request,
      ::csi::v1::ValidateVolumeCapabilitiesResponse* response) override;
  grpc::Status ListVolumes(grpc::ServerContext* context,
                           const ::csi::v1::ListVolumesRequest* request,
                           ::csi::v1::ListVolumesResponse* response) override;
  grpc::Status GetCapacity(grpc::ServerContext* context,
                           const ::csi::v1::GetCapacityRequest* request,
                           ::csi::v1::GetCapacityResponse* response) override;
  grpc::Status ControllerGetCapabilities(
      grpc::ServerContext* context, const ::csi::v1::ControllerGetCapabilitiesRequest* request,
      ::csi::v1::ControllerGetCapabilitiesResponse* response) override;
  grpc::Status CreateSnapshot(grpc::ServerContext* context,
                              const ::csi::v1::CreateSnapshotRequest* request,
                              ::csi::v1::CreateSnapshotResponse* response) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext* context,
                              const ::csi::v1::DeleteSnapshotRequest* request,
                              ::csi::v1::DeleteSnapshotResponse* response) override;
  grpc::Status ListSnapshots(grpc::ServerContext* context,
                             const ::csi::v1::ListSnapshotsRequest* request,
                             ::csi::v1::ListSnapshotsResponse* response) override;
  grpc::Status ControllerExpandVolume(grpc::ServerContext* context,
                                      const ::csi::v1::ControllerExpandVolumeRequest* request,
                                      ::csi::v1::ControllerExpandVolumeResponse* response) override;
  grpc::Status ControllerGetVolume(grpc::ServerContext* context,
                                   const ::csi::v1::ControllerGetVolumeRequest* request,
                                   ::csi::v1::ControllerGetVolumeResponse* response) override;
  grpc::Status ControllerModifyVolume(grpc::ServerContext* context,
                                      const ::csi::v1::ControllerModifyVolumeRequest* request,
                                      ::csi::v1::ControllerModifyVolumeResponse* response) override;

 private:
  // The absl-typed bodies; the public methods convert with csi::ToGrpcStatus.
  absl::Status DoCreateVolume(absl::Time deadline, const ::csi::v1::CreateVolumeRequest& request,
                              ::csi::v1::CreateVolumeResponse* response);
  absl::Status DoDeleteVolume(absl::Time deadline, const ::csi::v1::DeleteVolumeRequest& request);
  absl::Status DoPublish(absl::Time deadline,
                         const ::csi::v1::ControllerPublishVolumeRequest& request,
                         ::csi::v1::ControllerPublishVolumeResponse* response);
  absl::Status DoUnpublish(absl::Time deadline,
                           const ::csi::v1::ControllerUnpublishVolumeRequest& request);
  absl::Status DoCreateSnapshot(absl::Time deadline,
                                const ::csi::v1::CreateSnapshotRequest& request,
                                ::csi::v1::CreateSnapshotResponse* response);
  absl::Status DoDeleteSnapshot(absl::Time deadline,
                                const ::csi::v1::DeleteSnapshotRequest& request);
  absl::Status DoListSnapshots(absl::Time deadline, const ::csi::v1::ListSnapshotsRequest& request,
                               ::csi::v1::ListSnapshotsResponse* response);
  absl::Status DoModifyVolume(absl::Time deadline,
                              const ::csi::v1::ControllerModifyVolumeRequest& request);
  absl::Status DoExpand(absl::Time deadline,
                        const ::csi::v1::ControllerExpandVolumeRequest& request,
                        ::csi::v1::ControllerExpandVolumeResponse* response);
  absl::Status DoListVolumes(absl::Time deadline, const ::csi::v1::ListVolumesRequest& request,
                             ::csi::v1::ListVolumesResponse* response);
  absl::Status DoGetVolume(absl::Time deadline,
                           const ::csi::v1::ControllerGetVolumeRequest& request,
                           ::csi::v1::ControllerGetVolumeResponse* response);
  absl::Status DoValidate(absl::Time deadline,
                          const ::csi::v1::ValidateVolumeCapabilitiesRequest& request,
                          ::csi::v1::ValidateVolumeCapabilitiesResponse* response);
  absl::Status DoGetCapacity(absl::Time deadline, const ::csi::v1::GetCapacityRequest& request,
                             ::csi::v1::GetCapacityResponse* response);

  absl::Time DeadlineOf(const grpc::ServerContext* context) const;

  // What every mutating RPC starts with: the in-flight guard on `key` and the clients of the
  // identity the request's Secret (parsed once, cloud::ParseRequestSecret) selects.
  struct Session {
    csi::InflightGuard guard;
    cloud::Clients clients;
    openstack::CallOptions call;
  };
  // ABORTED "<activity> is in progress" when `key` is in flight.
  absl::StatusOr<Session> Begin(const std::string& key, std::string_view activity,
                                const cloud::RequestSecret& secret, absl::Time deadline);
  // The same for a call on an existing volume or snapshot `handle` (`what`: "volume <csi id>",
  // for messages), with the in-flight guard on `key`: the clients are its owner's
  // (cloud::OwnerClients); `secret_hint` says which StorageClass Secret a tenant's volume
  // needs for this call.
  absl::StatusOr<Session> BeginOn(const std::string& key, const cloud::Handle& handle,
                                  const std::string& what, const cloud::RequestSecret& secret,
                                  absl::Time deadline, std::string_view secret_hint);
  // Parses `csi_id` (NotFound when it is not an ID of ours; `kind`: "volume" or "snapshot")
  // and the request's Secret, then BeginOn. `handle` receives the parsed ID.
  absl::StatusOr<Session> BeginOnId(const std::string& csi_id, std::string_view kind,
                                    const google::protobuf::Map<std::string, std::string>& secrets,
                                    absl::Time deadline, std::string_view secret_hint,
                                    cloud::Handle* handle);

  cloud::CloudAccess* cloud_;
  ControllerOptions options_;
  csi::InflightTracker inflight_;
};

}  // namespace byok::controller
