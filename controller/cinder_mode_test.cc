// encryption=cinder against three kinds of Cinder: byok-for-cinder that clones the tenant's
// key faithfully, one whose clone holds other bytes, and a stock Cinder whose API has moved
// past the BYOK microversion number for other reasons.
#include <gtest/gtest.h>

#include "controller/testing/controller_fixture.h"

namespace byok::controller {
namespace {

class CinderModeTest : public testing::ControllerFixture {
 protected:
  CinderModeTest() {
    cloud_.cinder->SetMaxMicroversion("3.75");
    cloud_.cinder->AddVolumeType({.id = "type-luks", .name = "luks"},
                                 {.provider = "luks",
                                  .cipher = "aes-xts-plain64",
                                  .key_size = 256,
                                  .control_location = "front-end"});
  }

  // byok-for-cinder from 3.71; a faithful clone copies the key's bytes, an unfaithful one
  // stores other bytes under a new ID.
  void ByokCinder(bool faithful) {
    cloud_.cinder->EnableByok(
        "3.71", [this, faithful](const std::string& id) -> absl::StatusOr<std::string> {
          auto payload = cloud_.barbican->GetPayload({}, id);
          if (!payload.ok()) return payload.status();
          return cloud_.barbican->AddSecret(faithful ? std::move(*payload)
                                                     : SecureBytes::FromView(std::string(32, 'X')));
        });
  }

  grpc::Status Create(const std::string& name, ::csi::v1::CreateVolumeResponse* out) {
    auto r = Request(name);
    (*r.mutable_parameters())["encryption"] = "cinder";
    (*r.mutable_parameters())["type"] = "luks";
    return ControllerFixture::Create(r, out);
  }
};

TEST_F(CinderModeTest, AFaithfulCloneBindsTheVolumeToTheTenantsBytes) {
  ByokCinder(/*faithful=*/true);
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create("pvc-c1", &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto volumes = cloud_.cinder->Volumes();
  ASSERT_EQ(volumes.size(), 1u);
  EXPECT_NE(volumes[0].encryption_key_id, key_id_);  // Cinder's own copy
}

TEST_F(CinderModeTest, ACloneWithOtherBytesIsDeletedAndReported) {
  ByokCinder(/*faithful=*/false);
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create("pvc-c2", &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_NE(s.error_message().find("differ from the tenant's key"), std::string::npos)
      << s.error_message();
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
  // The retry meets the same Cinder: again refused, again nothing kept.
  EXPECT_EQ(Create("pvc-c2", &created).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
}

// Stock Cinder from 3.53 on rejects the field as unexpected: that is the capability missing,
// said as on a Cinder whose microversion is too old, not a bare INVALID_ARGUMENT.
TEST_F(CinderModeTest, AStockCinderPastTheMicroversionIsFailedPrecondition) {
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create("pvc-c3", &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("rejected encryption_key_id"), std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("encryption=envelope"), std::string::npos);
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
}

TEST_F(CinderModeTest, AnOldCinderIsFailedPreconditionBeforeAnyCreate) {
  cloud_.cinder->SetMaxMicroversion("3.70");
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create("pvc-c4", &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("offers up to 3.70"), std::string::npos) << s.error_message();
  EXPECT_EQ(cloud_.cinder->calls().Count("CreateVolume"), 0);
}

}  // namespace
}  // namespace byok::controller
