// CSI spec rules for the Controller service that hold without a cloud: the binary runs
// against an unreachable Keystone, so every answer here comes from request validation,
// capability gating and Probe. The lifecycle against real OpenStack is in tests/lab.
#include <gtest/gtest.h>

#include "csi/csi.pb.h"
#include "tests/conformance/plugin_process.h"

namespace byok::testing {
namespace {

using ::csi::v1::ControllerServiceCapability;
using ::csi::v1::VolumeCapability;

class ControllerConformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto plugin = PluginProcess::Start({"--mode=controller"});
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    plugin_ = plugin->release();
  }
  static void TearDownTestSuite() {
    delete plugin_;
    plugin_ = nullptr;
  }
  template <typename Request, typename Response>
  grpc::Status Call(std::string_view method, const Request& request, Response* response) {
    return plugin_->client().Call(csi::Client::FindMethod(method), request, response,
                                  absl::Seconds(10));
  }
  static VolumeCapability MountCapability() {
    VolumeCapability cap;
    cap.mutable_mount()->set_fs_type("ext4");
    cap.mutable_access_mode()->set_mode(VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    return cap;
  }
  static PluginProcess* plugin_;
};
PluginProcess* ControllerConformance::plugin_ = nullptr;

TEST_F(ControllerConformance, AdvertisesControllerServiceAndItsRpcs) {
  ::csi::v1::GetPluginCapabilitiesResponse plugin_caps;
  ASSERT_TRUE(
      Call("GetPluginCapabilities", ::csi::v1::GetPluginCapabilitiesRequest(), &plugin_caps).ok());
  bool controller = false;
  for (const auto& c : plugin_caps.capabilities()) {
    controller |= c.service().type() == ::csi::v1::PluginCapability::Service::CONTROLLER_SERVICE;
  }
  EXPECT_TRUE(controller);
  ::csi::v1::ControllerGetCapabilitiesResponse caps;
  ASSERT_TRUE(
      Call("ControllerGetCapabilities", ::csi::v1::ControllerGetCapabilitiesRequest(), &caps).ok());
  std::set<int> rpcs;
  for (const auto& c : caps.capabilities()) rpcs.insert(c.rpc().type());
  for (auto want : {ControllerServiceCapability::RPC::CREATE_DELETE_VOLUME,
                    ControllerServiceCapability::RPC::PUBLISH_UNPUBLISH_VOLUME,
                    ControllerServiceCapability::RPC::CREATE_DELETE_SNAPSHOT,
                    ControllerServiceCapability::RPC::LIST_SNAPSHOTS,
                    ControllerServiceCapability::RPC::EXPAND_VOLUME,
                    ControllerServiceCapability::RPC::CLONE_VOLUME,
                    ControllerServiceCapability::RPC::LIST_VOLUMES,
                    ControllerServiceCapability::RPC::GET_VOLUME,
                    ControllerServiceCapability::RPC::MODIFY_VOLUME}) {
    EXPECT_TRUE(rpcs.contains(want)) << ControllerServiceCapability::RPC::Type_Name(want);
  }
  // Advertised for key rotation, so served: a request without a volume is refused as such.
  ::csi::v1::ControllerModifyVolumeResponse modify;
  EXPECT_EQ(Call("ControllerModifyVolume", ::csi::v1::ControllerModifyVolumeRequest(), &modify)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Probe feeds the livenessprobe sidecar: a Keystone outage must not restart the controller.
TEST_F(ControllerConformance, ProbeStaysReadyWhileKeystoneIsUnreachableAndAnswersFast) {
  absl::Time start = absl::Now();
  ::csi::v1::ProbeResponse probe;
  ASSERT_TRUE(Call("Probe", ::csi::v1::ProbeRequest(), &probe).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(probe.ready().value());
}

TEST_F(ControllerConformance, MissingRequiredFieldsAreInvalidArgument) {
  ::csi::v1::CreateVolumeRequest no_name;
  *no_name.add_volume_capabilities() = MountCapability();
  ::csi::v1::CreateVolumeResponse created;
  EXPECT_EQ(Call("CreateVolume", no_name, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ::csi::v1::CreateVolumeRequest no_caps;
  no_caps.set_name("pvc-x");
  EXPECT_EQ(Call("CreateVolume", no_caps, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ::csi::v1::DeleteVolumeResponse deleted;
  EXPECT_EQ(Call("DeleteVolume", ::csi::v1::DeleteVolumeRequest(), &deleted).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ::csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id("v");
  *publish.mutable_volume_capability() = MountCapability();
  ::csi::v1::ControllerPublishVolumeResponse published;
  EXPECT_EQ(Call("ControllerPublishVolume", publish, &published).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // no node_id
  publish.set_node_id("n");
  publish.clear_volume_capability();
  EXPECT_EQ(Call("ControllerPublishVolume", publish, &published).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // no capability

  ::csi::v1::ControllerUnpublishVolumeResponse unpublished;
  EXPECT_EQ(
      Call("ControllerUnpublishVolume", ::csi::v1::ControllerUnpublishVolumeRequest(), &unpublished)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

  ::csi::v1::CreateSnapshotRequest snapshot;
  snapshot.set_name("snap");
  ::csi::v1::CreateSnapshotResponse snapped;
  EXPECT_EQ(Call("CreateSnapshot", snapshot, &snapped).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ::csi::v1::DeleteSnapshotResponse snap_deleted;
  EXPECT_EQ(Call("DeleteSnapshot", ::csi::v1::DeleteSnapshotRequest(), &snap_deleted).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ::csi::v1::ControllerExpandVolumeRequest expand;
  expand.set_volume_id("v");
  ::csi::v1::ControllerExpandVolumeResponse expanded;
  EXPECT_EQ(Call("ControllerExpandVolume", expand, &expanded).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // no capacity_range

  ::csi::v1::ValidateVolumeCapabilitiesRequest validate;
  validate.set_volume_id("v");
  ::csi::v1::ValidateVolumeCapabilitiesResponse validated;
  EXPECT_EQ(Call("ValidateVolumeCapabilities", validate, &validated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ControllerConformance, UnsupportedParametersAndCapabilitiesAreRejectedBeforeTheCloud) {
  ::csi::v1::CreateVolumeRequest request;
  request.set_name("pvc-y");
  *request.add_volume_capabilities() = MountCapability();
  (*request.mutable_parameters())["no-such-parameter"] = "1";
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Call("CreateVolume", request, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("no-such-parameter"), std::string::npos) << s.error_message();

  request.clear_parameters();
  request.mutable_volume_capabilities(0)->mutable_access_mode()->set_mode(
      VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
  EXPECT_EQ(Call("CreateVolume", request, &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  request.mutable_volume_capabilities(0)->mutable_access_mode()->set_mode(
      VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  request.mutable_capacity_range()->set_required_bytes(10);
  request.mutable_capacity_range()->set_limit_bytes(20);
  EXPECT_EQ(Call("CreateVolume", request, &created).error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(ControllerConformance, SecretsNeverReachTheLog) {
  ::csi::v1::CreateVolumeRequest request;
  request.set_name("pvc-z");
  *request.add_volume_capabilities() = MountCapability();
  (*request.mutable_parameters())["bogus"] = "1";
  (*request.mutable_secrets())["application-credential-secret"] = "PLANTED-APPCRED-SECRET-91a7";
  ::csi::v1::CreateVolumeResponse created;
  Call("CreateVolume", request, &created);
  EXPECT_EQ(plugin_->Log().find("PLANTED-APPCRED-SECRET-91a7"), std::string::npos);
}

}  // namespace
}  // namespace byok::testing
