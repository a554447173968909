// CreateVolume's zone: the class's `availability` within the requisite zones, else the
// preferred zone, else the first requisite one; accessible_topology says where it landed.
#include <gtest/gtest.h>

#include "controller/testing/controller_fixture.h"

namespace byok::controller {
namespace {

class TopologyTest : public testing::ControllerFixture {
 protected:
  static void AddZone(google::protobuf::RepeatedPtrField<::csi::v1::Topology>* list,
                      const std::string& zone) {
    (*list->Add()->mutable_segments())[kTopologyZoneKey] = zone;
  }
  static std::string ZoneOf(const ::csi::v1::CreateVolumeResponse& created) {
    if (created.volume().accessible_topology_size() != 1) return "<none>";
    return created.volume().accessible_topology(0).segments().at(kTopologyZoneKey);
  }
};

TEST_F(TopologyTest, PreferredZoneWinsWithinTheRequisiteOnes) {
  auto r = Request("pvc-pref");
  AddZone(r.mutable_accessibility_requirements()->mutable_requisite(), "az-a");
  AddZone(r.mutable_accessibility_requirements()->mutable_requisite(), "az-b");
  AddZone(r.mutable_accessibility_requirements()->mutable_preferred(), "az-b");
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(r, &created).ok());
  EXPECT_EQ(ZoneOf(created), "az-b");
  EXPECT_EQ(cloud_.cinder->Volumes()[0].availability_zone, "az-b");
}

TEST_F(TopologyTest, WithoutAPreferenceTheFirstRequisiteZone) {
  auto r = Request("pvc-req");
  AddZone(r.mutable_accessibility_requirements()->mutable_requisite(), "az-a");
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(r, &created).ok());
  EXPECT_EQ(ZoneOf(created), "az-a");
}

TEST_F(TopologyTest, AvailabilityMustBeARequisiteZone) {
  auto r = Request("pvc-avail");
  (*r.mutable_parameters())["availability"] = "az-c";
  AddZone(r.mutable_accessibility_requirements()->mutable_requisite(), "az-a");
  AddZone(r.mutable_accessibility_requirements()->mutable_preferred(), "az-a");
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Create(r, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("availability=az-c"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("az-a"), std::string::npos) << s.error_message();
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());

  (*r.mutable_parameters())["availability"] = "az-a";
  ASSERT_TRUE(Create(r, &created).ok());
  EXPECT_EQ(ZoneOf(created), "az-a");
}

TEST_F(TopologyTest, AvailabilityWithoutRequirementsIsTaken) {
  auto r = Request("pvc-free");
  (*r.mutable_parameters())["availability"] = "az-c";
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(r, &created).ok());
  EXPECT_EQ(ZoneOf(created), "az-c");
}

}  // namespace
}  // namespace byok::controller
