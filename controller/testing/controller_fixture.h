#pragma once

// What the controller's unit tests share: a ControllerService over the in-memory cloud, with
// a tenant's AES-256 key in the fake Barbican.
#include <gtest/gtest.h>

#include <string>

#include "cloud/testing/fake_cloud_access.h"
#include "controller/controller_service.h"
#include "controller/testing/requests.h"

namespace byok::controller::testing {

class ControllerFixture : public ::testing::Test {
 protected:
  ControllerFixture() : cloud_("tenant"), service_(&cloud_, ControllerOptions{}) {
    key_id_ = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'K')));
  }
  ::csi::v1::CreateVolumeRequest Request(const std::string& name) const {
    return MountedVolumeRequest(name, key_id_);
  }
  grpc::Status Create(const ::csi::v1::CreateVolumeRequest& r,
                      ::csi::v1::CreateVolumeResponse* out) {
    grpc::ServerContext context;
    return service_.CreateVolume(&context, &r, out);
  }

  cloud::testing::FakeCloudAccess cloud_;
  ControllerService service_;
  std::string key_id_;
};

}  // namespace byok::controller::testing
