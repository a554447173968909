#include "csi/identity_service.h"

#include <gtest/gtest.h>

#include "csi/version.h"

namespace byok::csi {
namespace {

using ::csi::v1::PluginCapability;

bool HasService(const ::csi::v1::GetPluginCapabilitiesResponse& response,
                PluginCapability::Service::Type type) {
  for (const auto& cap : response.capabilities()) {
    if (cap.has_service() && cap.service().type() == type) return true;
  }
  return false;
}

TEST(IdentityServiceTest, PluginInfo) {
  IdentityService service(true);
  grpc::ServerContext context;
  ::csi::v1::GetPluginInfoRequest request;
  ::csi::v1::GetPluginInfoResponse response;
  ASSERT_TRUE(service.GetPluginInfo(&context, &request, &response).ok());
  EXPECT_EQ(response.name(), "byok.cinder.csi.openstack.org");
  EXPECT_EQ(response.vendor_version(), kDriverVersion);
}

TEST(IdentityServiceTest, ControllerCapabilityOnlyWhenControllerRuns) {
  for (bool controller : {true, false}) {
    IdentityService service(controller);
    grpc::ServerContext context;
    ::csi::v1::GetPluginCapabilitiesRequest request;
    ::csi::v1::GetPluginCapabilitiesResponse response;
    ASSERT_TRUE(service.GetPluginCapabilities(&context, &request, &response).ok());
    EXPECT_EQ(HasService(response, PluginCapability::Service::CONTROLLER_SERVICE), controller);
    EXPECT_TRUE(HasService(response, PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS));
    bool online = false;
    for (const auto& cap : response.capabilities()) {
      online |= cap.has_volume_expansion() &&
                cap.volume_expansion().type() == PluginCapability::VolumeExpansion::ONLINE;
    }
    EXPECT_TRUE(online);
  }
}

TEST(IdentityServiceTest, ProbeIsReadyWheneverTheProcessServes) {
  IdentityService service(true);
  grpc::ServerContext context;
  ::csi::v1::ProbeRequest request;
  ::csi::v1::ProbeResponse response;
  ASSERT_TRUE(service.Probe(&context, &request, &response).ok());
  ASSERT_TRUE(response.has_ready());
  EXPECT_TRUE(response.ready().value());
}

}  // namespace
}  // namespace byok::csi
