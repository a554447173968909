#include "node/node_service.h"

#include "common/log.h"
#include "common/strings.h"
#include "csi/deadline.h"
#include "csi/grpc_status.h"
#include "node/expander.h"
#include "node/publisher.h"
#include "node/request_validation.h"
#include "node/stager.h"
#include "node/volume_stats.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

using ::csi::v1::NodeServiceCapability;

grpc::Status Busy(const std::string& volume_id) {
  return csi::ToGrpcStatus(csi::AlreadyInProgress(StrCat("an operation on volume ", volume_id)));
}

}  // namespace

NodeOptions NodeOptionsFromConfig(const openstack::CloudConfig& config, std::string node_id) {
  NodeOptions options;
  options.node_id = std::move(node_id);
  options.max_volumes_per_node = config.block_storage.node_volume_attach_limit;
  return options;
}

NodeService::NodeService(NodeOptions options, NodeDeps deps, InstanceMetadata* metadata)
    : options_(std::move(options)),
      deps_(deps),
      metadata_(metadata),
      unlock_limiter_(options_.max_concurrent_unlocks),
      key_health_(deps.cloud, options_.key_check_interval) {}

NodeService::~NodeService() = default;

absl::Time NodeService::Deadline(const grpc::ServerContext* context) const {
  return csi::RpcDeadline(context, options_.default_call_timeout);
}

grpc::Status NodeService::NodeStageVolume(grpc::ServerContext* context,
                                          const ::csi::v1::NodeStageVolumeRequest* request,
                                          ::csi::v1::NodeStageVolumeResponse*) {
  absl::StatusOr<StageParams> params = ValidateStage(*request);
  if (!params.ok()) return csi::ToGrpcStatus(params.status());
  auto guard = inflight_.TryAcquire(params->volume_id);
  if (!guard) return Busy(params->volume_id);
  Stager stager(deps_, &unlock_limiter_);
  return csi::ToGrpcStatus(stager.Stage(*params, Deadline(context)));
}

grpc::Status NodeService::NodeUnstageVolume(grpc::ServerContext*,
                                            const ::csi::v1::NodeUnstageVolumeRequest* request,
                                            ::csi::v1::NodeUnstageVolumeResponse*) {
  absl::StatusOr<UnstageParams> params = ValidateUnstage(*request);
  if (!params.ok()) return csi::ToGrpcStatus(params.status());
  auto guard = inflight_.TryAcquire(params->volume_id);
  if (!guard) return Busy(params->volume_id);
  Stager stager(deps_, &unlock_limiter_);
  return csi::ToGrpcStatus(stager.Unstage(*params));
}

grpc::Status NodeService::NodePublishVolume(grpc::ServerContext*,
                                            const ::csi::v1::NodePublishVolumeRequest* request,
                                            ::csi::v1::NodePublishVolumeResponse*) {
  absl::StatusOr<PublishParams> params = ValidatePublish(*request);
  if (!params.ok()) return csi::ToGrpcStatus(params.status());
  auto guard = inflight_.TryAcquire(params->volume_id);
  if (!guard) return Busy(params->volume_id);
  return csi::ToGrpcStatus(Publisher(deps_).Publish(*params));
}

grpc::Status NodeService::NodeUnpublishVolume(grpc::ServerContext*,
                                              const ::csi::v1::NodeUnpublishVolumeRequest* request,
                                              ::csi::v1::NodeUnpublishVolumeResponse*) {
  absl::StatusOr<UnpublishParams> params = ValidateUnpublish(*request);
  if (!params.ok()) return csi::ToGrpcStatus(params.status());
  auto guard = inflight_.TryAcquire(params->volume_id);
  if (!guard) return Busy(params->volume_id);
  return csi::ToGrpcStatus(Publisher(deps_).Unpublish(*params));
}

grpc::Status NodeService::NodeExpandVolume(grpc::ServerContext* context,
                                           const ::csi::v1::NodeExpandVolumeRequest* request,
                                           ::csi::v1::NodeExpandVolumeResponse* response) {
  absl::StatusOr<ExpandParams> params = ValidateExpand(*request);
  if (!params.ok()) return csi::ToGrpcStatus(params.status());
  auto guard = inflight_.TryAcquire(params->volume_id);
  if (!guard) return Busy(params->volume_id);
  absl::StatusOr<int64_t> bytes = Expander(deps_).Expand(*params, Deadline(context));
  if (!bytes.ok()) return csi::ToGrpcStatus(bytes.status());
  response->set_capacity_bytes(*bytes);
  return grpc::Status::OK;
}

grpc::Status NodeService::NodeGetVolumeStats(grpc::ServerContext* context,
                                             const ::csi::v1::NodeGetVolumeStatsRequest* request,
                                             ::csi::v1::NodeGetVolumeStatsResponse* response) {
  // Read-only: no in-flight guard, so kubelet's periodic stats never collide with a stage.
  absl::StatusOr<StatsParams> params = ValidateStats(*request);
  if (!params.ok()) return csi::ToGrpcStatus(params.status());
  absl::StatusOr<VolumeUsage> usage = StatsReader(deps_).Read(*params);
  if (!usage.ok()) return csi::ToGrpcStatus(usage.status());
  if (!usage->abnormal && deps_.cloud != nullptr) {
    // A revoked key leaves the open mapping working until unstage: say so while it does.
    std::optional<std::string> problem =
        key_health_.Problem({params->volume_id, params->owner_project},
                            std::min(Deadline(context), absl::Now() + absl::Seconds(10)));
    if (problem.has_value()) {
      usage->abnormal = true;
      usage->message = *std::move(problem);
    }
  }
  if (usage->has_usage) {
    auto* bytes = response->add_usage();
    bytes->set_unit(::csi::v1::VolumeUsage::BYTES);
    bytes->set_total(usage->space.total_bytes);
    if (!usage->block) {
      bytes->set_used(usage->space.used_bytes);
      bytes->set_available(usage->space.available_bytes);
      auto* inodes = response->add_usage();
      inodes->set_unit(::csi::v1::VolumeUsage::INODES);
      inodes->set_total(usage->space.total_inodes);
      inodes->set_used(usage->space.used_inodes);
      inodes->set_available(usage->space.available_inodes);
    }
  }
  response->mutable_volume_condition()->set_abnormal(usage->abnormal);
  response->mutable_volume_condition()->set_message(usage->abnormal ? usage->message
                                                                    : "volume is healthy");
  return grpc::Status::OK;
}

grpc::Status NodeService::NodeGetCapabilities(grpc::ServerContext*,
                                              const ::csi::v1::NodeGetCapabilitiesRequest*,
                                              ::csi::v1::NodeGetCapabilitiesResponse* response) {
  for (auto type :
       {NodeServiceCapability::RPC::STAGE_UNSTAGE_VOLUME,
        NodeServiceCapability::RPC::GET_VOLUME_STATS, NodeServiceCapability::RPC::EXPAND_VOLUME,
        NodeServiceCapability::RPC::VOLUME_CONDITION}) {
    response->add_capabilities()->mutable_rpc()->set_type(type);
  }
  return grpc::Status::OK;
}

absl::StatusOr<InstanceInfo> NodeService::Instance(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (instance_) return *instance_;
  }
  if (metadata_ == nullptr) return absl::UnavailableError("no instance metadata source");
  absl::StatusOr<InstanceInfo> info = metadata_->Get(deadline);
  if (info.ok()) {
    absl::MutexLock lock(&mu_);
    instance_ = *info;
  }
  return info;
}

grpc::Status NodeService::NodeGetInfo(grpc::ServerContext* context,
                                      const ::csi::v1::NodeGetInfoRequest*,
                                      ::csi::v1::NodeGetInfoResponse* response) {
  std::string node_id = options_.node_id;
  std::string zone = options_.availability_zone;
  if (node_id.empty() || zone.empty()) {
    absl::StatusOr<InstanceInfo> instance = Instance(Deadline(context));
    if (instance.ok()) {
      if (node_id.empty()) node_id = instance->uuid;
      if (zone.empty()) zone = instance->availability_zone;
    } else if (node_id.empty()) {
      return csi::ToGrpcStatus(openstack::Annotate(
          instance.status(), "no --node-id and the Nova instance UUID is unknown"));
    } else {
      log::Warning("no availability zone for the node topology",
                   {{"error", std::string(instance.status().message())}});
    }
  }
  response->set_node_id(node_id);
  response->set_max_volumes_per_node(options_.max_volumes_per_node > 0
                                         ? options_.max_volumes_per_node
                                         : kDefaultMaxVolumesPerNode);
  if (!zone.empty()) {
    (*response->mutable_accessible_topology()->mutable_segments())[kTopologyZoneKey] = zone;
  }
  return grpc::Status::OK;
}

}  // namespace byok::node
