// The gRPC surface: validation, capabilities, node info, in-flight guard, stats, and one full
// stage -> publish -> unpublish -> unstage cycle through the service methods.
#include "node/node_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "node/mapping_name.h"
#include "node/paths.h"
#include "node/testing/node_world.h"

namespace byok::node {
namespace {

using envelope::LuksState;
using ::testing::HasSubstr;
using testing::NodeWorld;

class StaticMetadata : public InstanceMetadata {
 public:
  absl::StatusOr<InstanceInfo> Get(absl::Time) override {
    ++calls;
    return info;
  }
  absl::StatusOr<InstanceInfo> info = InstanceInfo{"nova-uuid-1", "az-1"};
  int calls = 0;
};

::csi::v1::VolumeCapability MountCap() {
  ::csi::v1::VolumeCapability cap;
  cap.mutable_mount()->set_fs_type("ext4");
  cap.mutable_access_mode()->set_mode(::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  return cap;
}

class NodeServiceTest : public ::testing::Test {
 protected:
  NodeService MakeService(NodeOptions options = {}) {
    return NodeService(std::move(options), world_.deps(), &metadata_);
  }
  NodeWorld world_;
  StaticMetadata metadata_;
  grpc::ServerContext context_;
};

TEST_F(NodeServiceTest, Capabilities) {
  auto service = MakeService();
  ::csi::v1::NodeGetCapabilitiesResponse response;
  ASSERT_TRUE(service.NodeGetCapabilities(&context_, nullptr, &response).ok());
  std::vector<int> types;
  for (const auto& c : response.capabilities()) types.push_back(c.rpc().type());
  using Rpc = ::csi::v1::NodeServiceCapability::RPC;
  EXPECT_THAT(types,
              ::testing::UnorderedElementsAre(Rpc::STAGE_UNSTAGE_VOLUME, Rpc::GET_VOLUME_STATS,
                                              Rpc::EXPAND_VOLUME, Rpc::VOLUME_CONDITION));
}

TEST_F(NodeServiceTest, NodeInfoFromMetadataWhenNoNodeIdFlag) {
  auto service = MakeService();
  ::csi::v1::NodeGetInfoResponse response;
  ASSERT_TRUE(service.NodeGetInfo(&context_, nullptr, &response).ok());
  EXPECT_EQ(response.node_id(), "nova-uuid-1");
  EXPECT_EQ(response.max_volumes_per_node(), kDefaultMaxVolumesPerNode);
  EXPECT_EQ(response.accessible_topology().segments().at(kTopologyZoneKey), "az-1");
  ASSERT_TRUE(service.NodeGetInfo(&context_, nullptr, &response).ok());
  EXPECT_EQ(metadata_.calls, 1);  // cached
}

TEST_F(NodeServiceTest, NodeIdFlagWinsAndMetadataFailureOnlyDropsTopology) {
  metadata_.info = absl::UnavailableError("no config drive, no metadata service");
  NodeOptions options;
  options.node_id = "node-from-flag";
  options.max_volumes_per_node = 26;
  auto service = MakeService(options);
  ::csi::v1::NodeGetInfoResponse response;
  ASSERT_TRUE(service.NodeGetInfo(&context_, nullptr, &response).ok());
  EXPECT_EQ(response.node_id(), "node-from-flag");
  EXPECT_EQ(response.max_volumes_per_node(), 26);
  EXPECT_FALSE(response.has_accessible_topology());
}

TEST_F(NodeServiceTest, NoNodeIdAtAllIsAnError) {
  metadata_.info = absl::UnavailableError("no metadata");
  auto service = MakeService();
  ::csi::v1::NodeGetInfoResponse response;
  auto status = service.NodeGetInfo(&context_, nullptr, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("--node-id"));
}

TEST_F(NodeServiceTest, InvalidRequestsNameTheField) {
  auto service = MakeService();
  ::csi::v1::NodeStageVolumeRequest stage;
  ::csi::v1::NodeStageVolumeResponse stage_response;
  auto status = service.NodeStageVolume(&context_, &stage, &stage_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("volume_id"));
  ::csi::v1::NodeExpandVolumeRequest expand;
  expand.set_volume_id("v");
  ::csi::v1::NodeExpandVolumeResponse expand_response;
  status = service.NodeExpandVolume(&context_, &expand, &expand_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("volume_path"));
}

TEST_F(NodeServiceTest, FullCycleThroughTheService) {
  auto service = MakeService();
  auto v = world_.AddEnvelopeVolume("pvc-svc", LuksState::kPending);
  ::csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(v.id);
  stage.set_staging_target_path(world_.Path("globalmount"));
  *stage.mutable_volume_capability() = MountCap();
  (*stage.mutable_secrets())["keyID"] = v.key_id;
  ::csi::v1::NodeStageVolumeResponse stage_response;
  ASSERT_TRUE(service.NodeStageVolume(&context_, &stage, &stage_response).ok());

  ::csi::v1::NodePublishVolumeRequest publish;
  publish.set_volume_id(v.id);
  publish.set_staging_target_path(stage.staging_target_path());
  publish.set_target_path(world_.Path("pod/mount"));
  *publish.mutable_volume_capability() = MountCap();
  ::csi::v1::NodePublishVolumeResponse publish_response;
  ASSERT_TRUE(service.NodePublishVolume(&context_, &publish, &publish_response).ok());

  ::csi::v1::NodeGetVolumeStatsRequest stats;
  stats.set_volume_id(v.id);
  stats.set_volume_path(publish.target_path());
  ::csi::v1::NodeGetVolumeStatsResponse stats_response;
  ASSERT_TRUE(service.NodeGetVolumeStats(&context_, &stats, &stats_response).ok());
  ASSERT_EQ(stats_response.usage_size(), 2);
  EXPECT_EQ(stats_response.usage(0).unit(), ::csi::v1::VolumeUsage::BYTES);
  EXPECT_GT(stats_response.usage(0).total(), 0);
  EXPECT_EQ(stats_response.usage(1).unit(), ::csi::v1::VolumeUsage::INODES);
  EXPECT_FALSE(stats_response.volume_condition().abnormal());

  ::csi::v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(v.id);
  unpublish.set_target_path(publish.target_path());
  ::csi::v1::NodeUnpublishVolumeResponse unpublish_response;
  ASSERT_TRUE(service.NodeUnpublishVolume(&context_, &unpublish, &unpublish_response).ok());

  ::csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(v.id);
  unstage.set_staging_target_path(stage.staging_target_path());
  ::csi::v1::NodeUnstageVolumeResponse unstage_response;
  ASSERT_TRUE(service.NodeUnstageVolume(&context_, &unstage, &unstage_response).ok());
  EXPECT_FALSE(world_.host().MappingActive(MappingName(v.id)));
}

TEST_F(NodeServiceTest, StatsOfAMissingPathIsNotFoundAndOfAnUnmountedOneAbnormal) {
  auto service = MakeService();
  ::csi::v1::NodeGetVolumeStatsRequest stats;
  stats.set_volume_id("v");
  stats.set_volume_path(world_.Path("missing"));
  ::csi::v1::NodeGetVolumeStatsResponse response;
  EXPECT_EQ(service.NodeGetVolumeStats(&context_, &stats, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(EnsureDirectory(world_.Path("empty")).ok());
  stats.set_volume_path(world_.Path("empty"));
  ASSERT_TRUE(service.NodeGetVolumeStats(&context_, &stats, &response).ok());
  EXPECT_TRUE(response.volume_condition().abnormal());
  EXPECT_THAT(response.volume_condition().message(), HasSubstr("not mounted"));
}

TEST_F(NodeServiceTest, SecondCallForABusyVolumeIsAborted) {
  auto service = MakeService();
  auto v = world_.AddEnvelopeVolume("pvc-busy", LuksState::kPending);
  absl::Notification entered, release;
  world_.cloud().on_for_secret = [&] {
    if (!entered.HasBeenNotified()) entered.Notify();
    release.WaitForNotification();
  };
  ::csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(v.id);
  stage.set_staging_target_path(world_.Path("globalmount"));
  *stage.mutable_volume_capability() = MountCap();
  (*stage.mutable_secrets())["keyID"] = v.key_id;
  grpc::Status first;
  std::thread t([&] {
    grpc::ServerContext context;
    ::csi::v1::NodeStageVolumeResponse response;
    first = service.NodeStageVolume(&context, &stage, &response);
  });
  entered.WaitForNotification();
  ::csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(v.id);
  unstage.set_staging_target_path(stage.staging_target_path());
  ::csi::v1::NodeUnstageVolumeResponse unstage_response;
  EXPECT_EQ(service.NodeUnstageVolume(&context_, &unstage, &unstage_response).error_code(),
            grpc::StatusCode::ABORTED);
  release.Notify();
  t.join();
  EXPECT_TRUE(first.ok()) << first.error_message();
}

class StatsKeyTest : public NodeServiceTest {
 protected:
  // An envelope volume staged and published through `service`; returns the stats request.
  ::csi::v1::NodeGetVolumeStatsRequest Publish(NodeService& service, const NodeWorld::Volume& v) {
    ::csi::v1::NodeStageVolumeRequest stage;
    stage.set_volume_id(v.id);
    stage.set_staging_target_path(world_.Path("globalmount"));
    *stage.mutable_volume_capability() = MountCap();
    (*stage.mutable_secrets())["keyID"] = v.key_id;
    ::csi::v1::NodeStageVolumeResponse staged;
    EXPECT_TRUE(service.NodeStageVolume(&context_, &stage, &staged).ok());
    ::csi::v1::NodePublishVolumeRequest publish;
    publish.set_volume_id(v.id);
    publish.set_staging_target_path(stage.staging_target_path());
    publish.set_target_path(world_.Path("pod/mount"));
    *publish.mutable_volume_capability() = MountCap();
    ::csi::v1::NodePublishVolumeResponse published;
    EXPECT_TRUE(service.NodePublishVolume(&context_, &publish, &published).ok());
    ::csi::v1::NodeGetVolumeStatsRequest stats;
    stats.set_volume_id(v.id);
    stats.set_volume_path(publish.target_path());
    return stats;
  }
  ::csi::v1::VolumeCondition Condition(NodeService& service,
                                       const ::csi::v1::NodeGetVolumeStatsRequest& stats) {
    ::csi::v1::NodeGetVolumeStatsResponse response;
    EXPECT_TRUE(service.NodeGetVolumeStats(&context_, &stats, &response).ok());
    return response.volume_condition();
  }
};

TEST_F(StatsKeyTest, AnOpenVolumeWhoseKeyIsGoneIsAbnormalAndStillHasUsage) {
  NodeOptions options;
  options.key_check_interval = absl::ZeroDuration();
  auto service = MakeService(options);
  auto v = world_.AddEnvelopeVolume("pvc-revoked", LuksState::kPending);
  auto stats = Publish(service, v);
  EXPECT_FALSE(Condition(service, stats).abnormal());

  world_.cloud().barbican->ExpireSecret(v.key_id);
  ::csi::v1::NodeGetVolumeStatsResponse response;
  ASSERT_TRUE(service.NodeGetVolumeStats(&context_, &stats, &response).ok());
  EXPECT_TRUE(response.volume_condition().abnormal());
  EXPECT_THAT(response.volume_condition().message(),
              HasSubstr("Barbican key " + v.key_id + " of this volume was deleted or has expired"));
  EXPECT_EQ(response.usage_size(), 2);  // the open mapping still serves the filesystem
  EXPECT_TRUE(world_.host().MappingActive(MappingName(v.id)));
}

TEST_F(StatsKeyTest, TheKeyIsLookedAtOncePerInterval) {
  auto service = MakeService();  // the default interval: minutes
  auto v = world_.AddEnvelopeVolume("pvc-cached", LuksState::kPending);
  auto stats = Publish(service, v);
  EXPECT_FALSE(Condition(service, stats).abnormal());
  const int reads = world_.cloud().barbican->calls().Count("GetSecret");
  world_.cloud().barbican->ExpireSecret(v.key_id);
  EXPECT_FALSE(Condition(service, stats).abnormal());  // the last look still stands
  EXPECT_EQ(world_.cloud().barbican->calls().Count("GetSecret"), reads);
}

TEST_F(StatsKeyTest, ATenantsVolumeIsNotLookedAtWithoutItsSecret) {
  NodeOptions options;
  options.key_check_interval = absl::ZeroDuration();
  auto service = MakeService(options);
  auto v = world_.AddEnvelopeVolume("pvc-tenant", LuksState::kPending);
  auto stats = Publish(service, v);
  // The same volume under a tenant's CSI ID: the driver's identity does not look at it.
  stats.set_volume_id(v.id + "@0123456789abcdef0123456789abcdef");
  world_.cloud().barbican->ExpireSecret(v.key_id);
  const int reads = world_.cloud().barbican->calls().Count("GetSecret");
  ::csi::v1::NodeGetVolumeStatsResponse response;
  ASSERT_TRUE(service.NodeGetVolumeStats(&context_, &stats, &response).ok());
  EXPECT_EQ(world_.cloud().barbican->calls().Count("GetSecret"), reads);
}

}  // namespace
}  // namespace byok::node
