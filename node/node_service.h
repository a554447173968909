#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cloud/cloud_access.h"
#include "cloud/key_health.h"
#include "csi/csi.grpc.pb.h"
#include "csi/inflight.h"
#include "csi/topology.h"
#include "node/instance_metadata.h"
#include "node/node_deps.h"
#include "node/unlock_limiter.h"
#include "openstack/cloud_config.h"

namespace byok::node {

using ::byok::csi::kTopologyZoneKey;
inline constexpr int kDefaultMaxVolumesPerNode = 256;

struct NodeOptions {
  // --node-id; empty: the Nova instance UUID from the config drive or the metadata service.
  std::string node_id;
  // Overrides the availability zone from the instance metadata (empty: use the metadata's).
  std::string availability_zone;
  // NodeGetInfo.max_volumes_per_node; <= 0: kDefaultMaxVolumesPerNode.
  int max_volumes_per_node = 0;
  // Node-wide bound on concurrent LUKS unlocks/formats (each runs a PBKDF).
  int max_concurrent_unlocks = 4;
  // The deadline of calls that come without one (kubelet always sets one).
  absl::Duration default_call_timeout = absl::Minutes(2);
  // How long NodeGetVolumeStats trusts its last look at a volume's key in Barbican
  // (cloud::KeyHealthCache); kubelet asks for stats about once a minute per volume.
  absl::Duration key_check_interval = absl::Minutes(5);
};

// node_id from the flag, the attach limit from cloud.conf [BlockStorage].
NodeOptions NodeOptionsFromConfig(const openstack::CloudConfig& config, std::string node_id);

// The CSI Node service. Every mutating RPC takes the volume's in-flight guard (a second call
// for the same volume while one runs is ABORTED), validates its request (INVALID_ARGUMENT
// naming the field), and maps internal statuses to gRPC in one place (csi::ToGrpcStatus).
class NodeService final : public ::csi::v1::Node::Service {
 public:
  // `deps` and `metadata` must outlive the service (tests pass fakes).
  NodeService(NodeOptions options, NodeDeps deps, InstanceMetadata* metadata);
  ~NodeService() override;

  grpc::Status NodeStageVolume(grpc::ServerContext* context,
                               const ::csi::v1::NodeStageVolumeRequest* request,
                               ::csi::v1::NodeStageVolumeResponse* response) override;
  grpc::Status NodeUnstageVolume(grpc::ServerContext* context,
                                 const ::csi::v1::NodeUnstageVolumeRequest* request,
                                 ::csi::v1::NodeUnstageVolumeResponse* response) override;
  grpc::Status NodePublishVolume(grpc::ServerContext* context,
                                 const ::csi::v1::NodePublishVolumeRequest* request,
                                 ::csi::v1::NodePublishVolumeResponse* response) override;
  grpc::Status NodeUnpublishVolume(grpc::ServerContext* context,
                                   const ::csi::v1::NodeUnpublishVolumeRequest* request,
                                   ::csi::v1::NodeUnpublishVolumeResponse* response) override;
  grpc::Status NodeGetVolumeStats(grpc::ServerContext* context,
                                  const ::csi::v1::NodeGetVolumeStatsRequest* request,
                                  ::csi::v1::NodeGetVolumeStatsResponse* response) override;
  grpc::Status NodeExpandVolume(grpc::ServerContext* context,
                                const ::csi::v1::NodeExpandVolumeRequest* request,
                                ::csi::v1::NodeExpandVolumeResponse* response) override;
  grpc::Status NodeGetCapabilities(grpc::ServerContext* context,
                                   const ::csi::v1::NodeGetCapabilitiesRequest* request,
                                   ::csi::v1::NodeGetCapabilitiesResponse* response) override;
  grpc::Status NodeGetInfo(grpc::ServerContext* context,
                           const ::csi::v1::NodeGetInfoRequest* request,
                           ::csi::v1::NodeGetInfoResponse* response) override;

 private:
  friend absl::StatusOr<std::unique_ptr<NodeService>> NewNodeService(NodeOptions,
                                                                     cloud::CloudAccess*,
                                                                     const openstack::CloudConfig&);

  absl::Time Deadline(const grpc::ServerContext* context) const;
  absl::StatusOr<InstanceInfo> Instance(absl::Time deadline);

  NodeOptions options_;
  NodeDeps deps_;
  InstanceMetadata* metadata_;
  UnlockLimiter unlock_limiter_;
  cloud::KeyHealthCache key_health_;
  csi::InflightTracker inflight_;
  // The production seams NewNodeService creates (node_factory.cc); type-erased, so the node
  // logic does not depend on the host adapters.
  std::shared_ptr<void> owned_;

  absl::Mutex mu_;
  std::optional<InstanceInfo> instance_ ABSL_GUARDED_BY(mu_);  // cached once known
};

// The production service: libcryptsetup, libblkid, libmount, posix_spawn, sysfs/by-id device
// discovery, and instance metadata from the config drive / metadata service as cloud.conf's
// [Metadata] search-order says. `cloud` must outlive the service.
absl::StatusOr<std::unique_ptr<NodeService>> NewNodeService(NodeOptions options,
                                                            cloud::CloudAccess* cloud,
                                                            const openstack::CloudConfig& config);

}  // namespace byok::node
