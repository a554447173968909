// The volume census over the in-memory cloud: this cluster's volumes counted by encryption
// mode across pages, other clusters' and deleting volumes left out, a failed listing keeps
// the last counts.
#include "controller/volume_census.h"

#include <gtest/gtest.h>

#include "cloud/testing/fake_cloud_access.h"
#include "common/strings.h"
#include "controller/controller_service.h"
#include "envelope/descriptor.h"

namespace byok::controller {
namespace {

class VolumeCensusTest : public ::testing::Test {
 protected:
  void Add(const std::string& cluster, envelope::Mode mode, std::string status = "available") {
    openstack::Volume v;
    v.name = "pvc-" + std::to_string(++added_);
    v.status = std::move(status);
    v.size_gib = 1;
    if (mode != envelope::Mode::kNone) {
      envelope::Descriptor d;
      d.mode = mode;
      d.key_id = "0c7f0bdb-5b52-4d5e-9f32-5a4c1a53d5b1";
      if (mode == envelope::Mode::kEnvelope) d.wrapped_dek = "d3JhcHBlZA==";
      v.metadata = envelope::ToMetadata(d);
    }
    v.metadata[kMetaCluster] = cluster;
    cloud_.cinder->InsertVolume(std::move(v));
  }
  absl::Time Deadline() const { return absl::Now() + absl::Seconds(10); }

  cloud::testing::FakeCloudAccess cloud_;
  VolumeCensus census_{&cloud_, "ours"};
  int added_ = 0;
};

TEST_F(VolumeCensusTest, CountsThisClustersVolumesByModeOverEveryPage) {
  // More than one 1000-volume page.
  for (int i = 0; i < 1500; ++i) Add("ours", envelope::Mode::kEnvelope);
  Add("ours", envelope::Mode::kCinder);
  Add("ours", envelope::Mode::kNone);
  Add("ours", envelope::Mode::kEnvelope, "deleting");
  Add("theirs", envelope::Mode::kEnvelope);
  openstack::Volume broken;
  broken.status = "available";
  broken.metadata = {{kMetaCluster, "ours"}, {envelope::kMetaMode, "rot13"}};
  cloud_.cinder->InsertVolume(std::move(broken));

  EXPECT_FALSE(census_.Last().has_value());
  ASSERT_TRUE(census_.Refresh(Deadline()).ok());
  auto counts = census_.Last();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->envelope, 1500);
  EXPECT_EQ(counts->cinder, 1);
  EXPECT_EQ(counts->none, 1);
  EXPECT_EQ(counts->unknown, 1);
  EXPECT_GE(cloud_.cinder->calls().Count("ListVolumes"), 2);
}

TEST_F(VolumeCensusTest, AFailedListingKeepsTheLastCounts) {
  Add("ours", envelope::Mode::kEnvelope);
  ASSERT_TRUE(census_.Refresh(Deadline()).ok());
  Add("ours", envelope::Mode::kEnvelope);
  cloud_.cinder->calls().FailNext("ListVolumes", absl::UnavailableError("cinder is down"));
  EXPECT_EQ(census_.Refresh(Deadline()).code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(census_.Last().has_value());
  EXPECT_EQ(census_.Last()->envelope, 1);
}

// A Cinder (or a proxy in front of it) whose pages never end: the census gives up.
class EndlessCinder : public openstack::testing::FakeCinder {
 public:
  absl::StatusOr<openstack::VolumePage> ListVolumes(const openstack::CallOptions&,
                                                    const openstack::ListRequest& r) override {
    ++pages;
    openstack::VolumePage page;
    page.next_marker = repeat ? "the-same-marker" : StrCat("marker-", pages);
    return page;
  }
  bool repeat = true;
  int pages = 0;
};

TEST_F(VolumeCensusTest, ListingsThatNeverEndAreCutShort) {
  auto endless = std::make_shared<EndlessCinder>();
  cloud_.cinder = endless;
  absl::Status repeated = census_.Refresh(Deadline());
  EXPECT_EQ(repeated.code(), absl::StatusCode::kInternal) << repeated;
  EXPECT_EQ(endless->pages, 2);
  endless->repeat = false;
  absl::Status unending = census_.Refresh(Deadline());
  EXPECT_EQ(unending.code(), absl::StatusCode::kOutOfRange) << unending;
  EXPECT_FALSE(census_.Last().has_value());
}

TEST_F(VolumeCensusTest, NoDriverIdentityIsAnErrorAndNoCounts) {
  cloud_.for_secret_error = absl::UnauthenticatedError("bad password");
  EXPECT_EQ(census_.Refresh(Deadline()).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(census_.Last().has_value());
}

}  // namespace
}  // namespace byok::controller
