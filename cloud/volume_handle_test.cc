#include "cloud/volume_handle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/testing/fake_cloud_access.h"

namespace byok::cloud {
namespace {

using ::testing::HasSubstr;

constexpr char kVolume[] = "5f0c2b8e-0d4c-4a7e-9a53-1c2d3e4f5a6b";

TEST(VolumeHandleTest, BareAndOwnedIds) {
  auto h = ParseHandle(kVolume, "volume");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->cinder_id, kVolume);
  EXPECT_EQ(h->project_id, "");
  h = ParseHandle(std::string(kVolume) + "@0123abcd", "volume");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->cinder_id, kVolume);
  EXPECT_EQ(h->project_id, "0123abcd");
}

TEST(VolumeHandleTest, IdsThatCannotBeOursAreNotFound) {
  for (const std::string& bad : {std::string(".."), std::string("."), std::string("a/b"),
                                 std::string(kVolume) + "@", std::string(kVolume) + "@../x",
                                 std::string("@p"), std::string(100, 'x'), std::string("a b")}) {
    auto h = ParseHandle(bad, "volume");
    EXPECT_EQ(h.status().code(), absl::StatusCode::kNotFound) << bad;
  }
}

TEST(VolumeHandleTest, OwnerDecidesWhoMayAct) {
  testing::FakeCloudAccess cloud;
  Clients driver = *cloud.ForDriver(absl::InfiniteFuture());
  RequestSecret tenant_a;
  tenant_a.credential.emplace();
  tenant_a.credential->application_credential_id = "a";
  Clients a = *cloud.ForSecret(tenant_a, absl::InfiniteFuture());
  EXPECT_EQ(HandleFor(kVolume, driver), kVolume);
  EXPECT_EQ(HandleFor(kVolume, a), std::string(kVolume) + "@project-of-a");

  Handle owned_by_a{kVolume, "project-of-a"};
  EXPECT_TRUE(CheckOwner(owned_by_a, a, "volume v", "hint").ok());
  absl::Status s = CheckOwner(owned_by_a, driver, "volume v", "set the hint");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("set the hint"));
  RequestSecret tenant_b;
  tenant_b.credential.emplace();
  tenant_b.credential->application_credential_id = "b";
  Clients b = *cloud.ForSecret(tenant_b, absl::InfiniteFuture());
  EXPECT_EQ(CheckOwner(owned_by_a, b, "volume v", "hint").code(),
            absl::StatusCode::kPermissionDenied);

  // The driver's own volumes are handled as the driver whatever the Secret carries.
  auto owner = OwnerClients(cloud, Handle{kVolume, ""}, tenant_b, absl::InfiniteFuture(), "v", "");
  ASSERT_TRUE(owner.ok());
  EXPECT_FALSE(owner->tenant);
}

TEST(VolumeHandleTest, ListingsRebuildTheHandleFromTheRecordedOwner) {
  std::map<std::string, std::string> md;
  EXPECT_EQ(HandleFromMetadata(kVolume, md), kVolume);
  testing::FakeCloudAccess cloud;
  RequestSecret tenant;
  tenant.credential.emplace();
  tenant.credential->application_credential_id = "a";
  RecordOwner(*cloud.ForSecret(tenant, absl::InfiniteFuture()), md);
  EXPECT_EQ(HandleFromMetadata(kVolume, md), std::string(kVolume) + "@project-of-a");
  RecordOwner(*cloud.ForDriver(absl::InfiniteFuture()), md);
  EXPECT_EQ(HandleFromMetadata(kVolume, md), kVolume);
}

}  // namespace
}  // namespace byok::cloud
