// CSI spec rules for the Node service, checked against the real binary over its socket: required
// fields, the error codes the spec assigns, idempotency of the negation RPCs, capabilities and
// NodeGetInfo. Nothing here mounts or unlocks anything (that is tests/vm's job): every call
// either fails validation or names paths that do not exist.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "csi/csi.pb.h"
#include "tests/conformance/plugin_process.h"

namespace byok::testing {
namespace {

using ::csi::v1::NodeServiceCapability;
using ::csi::v1::VolumeCapability;
using ::testing::HasSubstr;

class NodeConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = PluginProcess::Start({"--mode=node", "--node-id=node-1"});
    ASSERT_TRUE(started.ok()) << started.status();
    plugin_ = started->release();
  }
  static void TearDownTestSuite() {
    delete plugin_;
    plugin_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(plugin_, nullptr); }

  template <typename Request, typename Response>
  grpc::Status Call(std::string_view method, const Request& request, Response* response) {
    return plugin_->client().Call(csi::Client::FindMethod(method), request, response,
                                  absl::Seconds(30));
  }
  template <typename Response, typename Request>
  grpc::Status Call(std::string_view method, const Request& request) {
    Response response;
    return Call(method, request, &response);
  }
  // A path under the plugin's private temp dir that does not exist.
  std::string Missing(const std::string& name) const { return plugin_->dir() + "/absent/" + name; }

  static VolumeCapability MountCap(
      VolumeCapability::AccessMode::Mode mode = VolumeCapability::AccessMode::SINGLE_NODE_WRITER) {
    VolumeCapability cap;
    cap.mutable_mount()->set_fs_type("ext4");
    cap.mutable_access_mode()->set_mode(mode);
    return cap;
  }

  static PluginProcess* plugin_;
};
PluginProcess* NodeConformance::plugin_ = nullptr;

void ExpectCode(const grpc::Status& status, grpc::StatusCode code, const std::string& mentions) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(mentions));
}

TEST_F(NodeConformance, CapabilitiesAdvertiseStageStatsExpand) {
  ::csi::v1::NodeGetCapabilitiesResponse response;
  ASSERT_TRUE(Call("NodeGetCapabilities", ::csi::v1::NodeGetCapabilitiesRequest(), &response).ok());
  std::set<int> types;
  for (const auto& c : response.capabilities()) {
    ASSERT_TRUE(c.has_rpc());
    types.insert(c.rpc().type());
  }
  EXPECT_TRUE(types.count(NodeServiceCapability::RPC::STAGE_UNSTAGE_VOLUME));
  EXPECT_TRUE(types.count(NodeServiceCapability::RPC::GET_VOLUME_STATS));
  EXPECT_TRUE(types.count(NodeServiceCapability::RPC::EXPAND_VOLUME));
  EXPECT_FALSE(types.count(NodeServiceCapability::RPC::UNKNOWN));
  // VOLUME_MOUNT_GROUP is not offered, so volume_mount_group must not be relied upon.
  EXPECT_FALSE(types.count(NodeServiceCapability::RPC::VOLUME_MOUNT_GROUP));
}

TEST_F(NodeConformance, NodeGetInfoReportsTheNodeIdAndALimit) {
  ::csi::v1::NodeGetInfoResponse response;
  ASSERT_TRUE(Call("NodeGetInfo", ::csi::v1::NodeGetInfoRequest(), &response).ok());
  EXPECT_EQ(response.node_id(), "node-1");
  EXPECT_LE(response.node_id().size(), 256u);
  EXPECT_GE(response.max_volumes_per_node(), 0);
  // Topology keys: one DNS-style prefix shared by all keys, name <= 63 characters.
  for (const auto& [key, value] : response.accessible_topology().segments()) {
    EXPECT_TRUE(std::regex_match(key, std::regex("^[a-z0-9.-]+/[A-Za-z0-9._-]{1,63}$"))) << key;
  }
}

TEST_F(NodeConformance, StageRequiresItsFields) {
  ::csi::v1::NodeStageVolumeRequest r;
  r.set_staging_target_path(Missing("stage"));
  *r.mutable_volume_capability() = MountCap();
  ExpectCode(Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_id");
  r.set_volume_id("vol-1");
  r.clear_staging_target_path();
  ExpectCode(Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "staging_target_path");
  r.set_staging_target_path(Missing("stage"));
  r.clear_volume_capability();
  ExpectCode(Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_capability");
  *r.mutable_volume_capability() = MountCap(VolumeCapability::AccessMode::UNKNOWN);
  ExpectCode(Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "access_mode");
}

TEST_F(NodeConformance, StageWithUnsupportedCapabilityIsFailedPrecondition) {
  // Spec, NodeStageVolume errors: "Exceeds capabilities" -> FAILED_PRECONDITION.
  ::csi::v1::NodeStageVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_staging_target_path(Missing("stage"));
  *r.mutable_volume_capability() = MountCap(VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
  ExpectCode(Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r),
             grpc::StatusCode::FAILED_PRECONDITION, "MULTI_NODE_MULTI_WRITER");
  *r.mutable_volume_capability() = MountCap();
  r.mutable_volume_capability()->mutable_mount()->set_fs_type("vfat");
  ExpectCode(Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r),
             grpc::StatusCode::FAILED_PRECONDITION, "fs_type");
}

TEST_F(NodeConformance, UnstageRequiresItsFieldsAndIsIdempotent) {
  ::csi::v1::NodeUnstageVolumeRequest r;
  r.set_staging_target_path(Missing("stage"));
  ExpectCode(Call<::csi::v1::NodeUnstageVolumeResponse>("NodeUnstageVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_id");
  r.set_volume_id("vol-never-staged");
  r.clear_staging_target_path();
  ExpectCode(Call<::csi::v1::NodeUnstageVolumeResponse>("NodeUnstageVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "staging_target_path");
  // Not staged there: the spec wants OK (the CO may retry an unstage that already happened).
  r.set_staging_target_path(Missing("stage"));
  for (int i = 0; i < 2; ++i) {
    grpc::Status s = Call<::csi::v1::NodeUnstageVolumeResponse>("NodeUnstageVolume", r);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
}

TEST_F(NodeConformance, PublishRequiresItsFields) {
  ::csi::v1::NodePublishVolumeRequest r;
  r.set_staging_target_path(Missing("stage"));
  r.set_target_path(Missing("target"));
  *r.mutable_volume_capability() = MountCap();
  ExpectCode(Call<::csi::v1::NodePublishVolumeResponse>("NodePublishVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_id");
  r.set_volume_id("vol-1");
  r.clear_target_path();
  ExpectCode(Call<::csi::v1::NodePublishVolumeResponse>("NodePublishVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "target_path");
  r.set_target_path(Missing("target"));
  r.clear_volume_capability();
  ExpectCode(Call<::csi::v1::NodePublishVolumeResponse>("NodePublishVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_capability");
}

TEST_F(NodeConformance, PublishWithoutStagingPathIsFailedPrecondition) {
  // Spec: STAGE_UNSTAGE_VOLUME advertised and staging_target_path missing -> FAILED_PRECONDITION.
  ::csi::v1::NodePublishVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_target_path(Missing("target"));
  *r.mutable_volume_capability() = MountCap();
  ExpectCode(Call<::csi::v1::NodePublishVolumeResponse>("NodePublishVolume", r),
             grpc::StatusCode::FAILED_PRECONDITION, "staging_target_path");
}

TEST_F(NodeConformance, PublishOfAnUnstagedVolumeIsFailedPrecondition) {
  ::csi::v1::NodePublishVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_staging_target_path(Missing("stage"));
  r.set_target_path(Missing("target"));
  *r.mutable_volume_capability() = MountCap();
  ExpectCode(Call<::csi::v1::NodePublishVolumeResponse>("NodePublishVolume", r),
             grpc::StatusCode::FAILED_PRECONDITION, "not staged");
  EXPECT_FALSE(std::filesystem::exists(Missing("target"))) << "nothing created on failure";
}

TEST_F(NodeConformance, UnpublishRequiresItsFieldsAndIsIdempotent) {
  ::csi::v1::NodeUnpublishVolumeRequest r;
  r.set_target_path(Missing("target"));
  ExpectCode(Call<::csi::v1::NodeUnpublishVolumeResponse>("NodeUnpublishVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_id");
  r.set_volume_id("vol-1");
  r.clear_target_path();
  ExpectCode(Call<::csi::v1::NodeUnpublishVolumeResponse>("NodeUnpublishVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "target_path");
  r.set_target_path(Missing("target"));
  for (int i = 0; i < 2; ++i) {
    grpc::Status s = Call<::csi::v1::NodeUnpublishVolumeResponse>("NodeUnpublishVolume", r);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
}

TEST_F(NodeConformance, VolumeStatsRequiresItsFieldsAndAnExistingPath) {
  ::csi::v1::NodeGetVolumeStatsRequest r;
  r.set_volume_path(Missing("target"));
  ExpectCode(Call<::csi::v1::NodeGetVolumeStatsResponse>("NodeGetVolumeStats", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_id");
  r.set_volume_id("vol-1");
  r.clear_volume_path();
  ExpectCode(Call<::csi::v1::NodeGetVolumeStatsResponse>("NodeGetVolumeStats", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_path");
  // Spec: the volume does not exist on volume_path -> NOT_FOUND.
  r.set_volume_path(Missing("target"));
  EXPECT_EQ(Call<::csi::v1::NodeGetVolumeStatsResponse>("NodeGetVolumeStats", r).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NodeConformance, VolumeStatsOfAnUnmountedPathReportsAnAbnormalCondition) {
  ::csi::v1::NodeGetVolumeStatsRequest r;
  r.set_volume_id("vol-1");
  r.set_volume_path(plugin_->dir());  // exists, nothing mounted there
  ::csi::v1::NodeGetVolumeStatsResponse response;
  ASSERT_TRUE(Call("NodeGetVolumeStats", r, &response).ok());
  EXPECT_TRUE(response.volume_condition().abnormal());
  EXPECT_FALSE(response.volume_condition().message().empty());
}

TEST_F(NodeConformance, ExpandRequiresItsFields) {
  ::csi::v1::NodeExpandVolumeRequest r;
  r.set_volume_path(Missing("target"));
  ExpectCode(Call<::csi::v1::NodeExpandVolumeResponse>("NodeExpandVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_id");
  r.set_volume_id("vol-1");
  r.clear_volume_path();
  ExpectCode(Call<::csi::v1::NodeExpandVolumeResponse>("NodeExpandVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "volume_path");
  r.set_volume_path(Missing("target"));
  r.mutable_capacity_range()->set_required_bytes(2 << 20);
  r.mutable_capacity_range()->set_limit_bytes(1 << 20);
  ExpectCode(Call<::csi::v1::NodeExpandVolumeResponse>("NodeExpandVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "capacity_range");
  // Spec for NodeExpandVolume: an unsupported capability is INVALID_ARGUMENT.
  r.clear_capacity_range();
  *r.mutable_volume_capability() = MountCap(VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
  ExpectCode(Call<::csi::v1::NodeExpandVolumeResponse>("NodeExpandVolume", r),
             grpc::StatusCode::INVALID_ARGUMENT, "MULTI_NODE_MULTI_WRITER");
}

TEST_F(NodeConformance, ExpandOfAMissingPathIsNotFound) {
  ::csi::v1::NodeExpandVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_volume_path(Missing("target"));
  EXPECT_EQ(Call<::csi::v1::NodeExpandVolumeResponse>("NodeExpandVolume", r).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NodeConformance, SecretsNeverReachTheLog) {
  ::csi::v1::NodeStageVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_staging_target_path(Missing("stage"));
  *r.mutable_volume_capability() = MountCap(VolumeCapability::AccessMode::UNKNOWN);
  (*r.mutable_secrets())["application-credential-secret"] = "conformance-secret-value-7f3a";
  (void)Call<::csi::v1::NodeStageVolumeResponse>("NodeStageVolume", r);
  EXPECT_THAT(plugin_->Log(), ::testing::Not(HasSubstr("conformance-secret-value-7f3a")));
}

}  // namespace
}  // namespace byok::testing
