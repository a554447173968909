// CreateVolume's hard paths on the in-memory cloud: a racing controller's volume of the same
// name, and an earlier attempt's volume that Cinder put into error.
#include <gtest/gtest.h>

#include <memory>

#include "controller/testing/controller_fixture.h"

namespace byok::controller {
namespace {

// A Cinder where another controller creates a volume of the same name just before this one's
// create lands: it is older, so it is the one both keep.
class RacedCinder : public openstack::testing::FakeCinder {
 public:
  absl::StatusOr<openstack::Volume> CreateVolume(const openstack::CallOptions& o,
                                                 const openstack::CreateVolumeRequest& r) override {
    if (competitor_.empty()) {
      openstack::Volume other;
      other.name = r.name;
      other.size_gib = r.size_gib;
      other.status = "available";
      other.metadata = r.metadata;
      other.created_at = "2023-12-31T23:59:59.000000";  // before the fake's own volumes
      competitor_ = InsertVolume(other);
    }
    return FakeCinder::CreateVolume(o, r);
  }
  std::string competitor_;
};

class CreateVolumeTest : public testing::ControllerFixture {};

TEST_F(CreateVolumeTest, ALosingRacerDeletesItsVolumeAndTheRetryGetsTheWinner) {
  auto raced = std::make_shared<RacedCinder>();
  cloud_.cinder = raced;
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create(Request("pvc-race"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  EXPECT_NE(s.error_message().find(raced->competitor_), std::string::npos) << s.error_message();
  ASSERT_EQ(raced->Volumes().size(), 1u);  // its own volume is gone
  EXPECT_EQ(raced->Volumes()[0].id, raced->competitor_);

  s = Create(Request("pvc-race"), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.volume().volume_id(), raced->competitor_);
  EXPECT_EQ(raced->Volumes().size(), 1u);
}

TEST_F(CreateVolumeTest, AnEarlierAttemptInErrorIsDeletedAndReplaced) {
  ::csi::v1::CreateVolumeResponse first;
  ASSERT_TRUE(Create(Request("pvc-err"), &first).ok());
  const std::string failed = first.volume().volume_id();
  cloud_.cinder->SetVolumeStatus(failed, "error");

  ::csi::v1::CreateVolumeResponse second;
  grpc::Status s = Create(Request("pvc-err"), &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(second.volume().volume_id(), failed);
  auto volumes = cloud_.cinder->Volumes();
  ASSERT_EQ(volumes.size(), 1u);
  EXPECT_EQ(volumes[0].id, second.volume().volume_id());
}

TEST_F(CreateVolumeTest, AVolumeThatFailsToBecomeAvailableIsDeleted) {
  cloud_.cinder->SetInitialStatus("error");
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create(Request("pvc-fail"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL) << s.error_message();
  EXPECT_NE(s.error_message().find("Cinder failed to create volume pvc-fail"), std::string::npos);
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
}

}  // namespace
}  // namespace byok::controller
