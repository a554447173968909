#include "node/request_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "csi/csi.pb.h"

namespace byok::node {
namespace {

using ::csi::v1::VolumeCapability;
using ::testing::HasSubstr;
constexpr absl::StatusCode kFp = absl::StatusCode::kFailedPrecondition;

VolumeCapability MountCap(
    VolumeCapability::AccessMode::Mode mode = VolumeCapability::AccessMode::SINGLE_NODE_WRITER) {
  VolumeCapability cap;
  cap.mutable_mount();
  cap.mutable_access_mode()->set_mode(mode);
  return cap;
}

::csi::v1::NodeStageVolumeRequest StageRequest() {
  ::csi::v1::NodeStageVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_staging_target_path("/var/lib/kubelet/plugins/x/globalmount");
  *r.mutable_volume_capability() = MountCap();
  return r;
}

void ExpectInvalid(const absl::Status& s, const std::string& field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr(field));
}

TEST(ValidateStageTest, RequiredFieldsAreNamed) {
  auto r = StageRequest();
  r.clear_volume_id();
  ExpectInvalid(ValidateStage(r).status(), "volume_id");
  r = StageRequest();
  r.clear_staging_target_path();
  ExpectInvalid(ValidateStage(r).status(), "staging_target_path");
  r = StageRequest();
  r.clear_volume_capability();
  ExpectInvalid(ValidateStage(r).status(), "volume_capability");
  r = StageRequest();
  r.mutable_volume_capability()->clear_access_mode();
  ExpectInvalid(ValidateStage(r).status(), "volume_capability.access_mode");
  r = StageRequest();
  r.mutable_volume_capability()->clear_mount();
  ExpectInvalid(ValidateStage(r).status(), "access_type");
}

TEST(ValidateStageTest, SecretsAndContextAreCarried) {
  auto r = StageRequest();
  (*r.mutable_secrets())["keyID"] = "0b1e3c5a-8f2d-4e6b-9a7c-1d2e3f4a5b6c";
  (*r.mutable_volume_context())["a"] = "b";
  auto p = ValidateStage(r);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->secret.key_id, "0b1e3c5a-8f2d-4e6b-9a7c-1d2e3f4a5b6c");
  EXPECT_EQ(p->volume_context.at("a"), "b");
  EXPECT_FALSE(p->access.block);
}

TEST(ValidateStageTest, TheSecretIsParsedOnceAndBadOnesAreRefused) {
  auto r = StageRequest();
  (*r.mutable_secrets())["keyID"] = "not-a-key-id";
  ExpectInvalid(ValidateStage(r).status(), "keyID");
  r = StageRequest();
  (*r.mutable_secrets())["auth-url"] = "https://attacker.example/v3";
  ExpectInvalid(ValidateStage(r).status(), "auth-url");
}

TEST(ValidateStageTest, TheOwnerPartOfTheIdIsSplitOff) {
  auto r = StageRequest();
  r.set_volume_id("vol-1@0123abcd");
  auto p = ValidateStage(r);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->volume_id, "vol-1");
  EXPECT_EQ(p->owner_project, "0123abcd");
  r.set_volume_id("vol-1@not.a.project");
  EXPECT_EQ(ValidateStage(r).status().code(), absl::StatusCode::kNotFound);
}

TEST(ValidateStageTest, PathsMustBeAbsoluteAndClean) {
  auto r = StageRequest();
  r.set_staging_target_path("relative/dir");
  ExpectInvalid(ValidateStage(r).status(), "staging_target_path");
  r.set_staging_target_path("/var/lib/../../etc");
  ExpectInvalid(ValidateStage(r).status(), "staging_target_path");
  r = StageRequest();
  r.set_volume_id("../../etc");
  ExpectInvalid(ValidateStage(r).status(), "volume_id");
}

TEST(ValidateCapabilityTest, AccessModes) {
  using Mode = VolumeCapability::AccessMode;
  EXPECT_FALSE(ValidateCapability(MountCap(Mode::SINGLE_NODE_WRITER), "c", kFp)->readonly);
  EXPECT_TRUE(ValidateCapability(MountCap(Mode::SINGLE_NODE_READER_ONLY), "c", kFp)->readonly);
  // Refused as by the controller: a volume it would not create or publish is not staged.
  EXPECT_EQ(ValidateCapability(MountCap(Mode::MULTI_NODE_READER_ONLY), "c", kFp).status().code(),
            kFp);
  EXPECT_TRUE(ValidateCapability(MountCap(Mode::SINGLE_NODE_MULTI_WRITER), "c", kFp).ok());
  auto multi = ValidateCapability(MountCap(Mode::MULTI_NODE_MULTI_WRITER), "c", kFp);
  EXPECT_EQ(multi.status().code(), kFp);
  EXPECT_THAT(multi.status().message(), HasSubstr("MULTI_NODE_MULTI_WRITER"));
  ExpectInvalid(ValidateCapability(MountCap(Mode::MULTI_NODE_MULTI_WRITER), "c",
                                   absl::StatusCode::kInvalidArgument)
                    .status(),
                "MULTI_NODE_MULTI_WRITER");
  ExpectInvalid(ValidateCapability(MountCap(Mode::UNKNOWN), "c", kFp).status(), "UNKNOWN");
}

TEST(ValidateCapabilityTest, FsTypesAndMountFlags) {
  auto cap = MountCap();
  cap.mutable_mount()->set_fs_type("xfs");
  cap.mutable_mount()->add_mount_flags("noatime");
  auto access = ValidateCapability(cap, "c", kFp);
  ASSERT_TRUE(access.ok());
  EXPECT_EQ(access->fs_type, "xfs");
  EXPECT_EQ(access->mount_flags, std::vector<std::string>{"noatime"});
  cap.mutable_mount()->set_fs_type("btrfs");
  EXPECT_EQ(ValidateCapability(cap, "c", kFp).status().code(), kFp);
  cap = MountCap();
  cap.mutable_mount()->add_mount_flags("bind");
  ExpectInvalid(ValidateCapability(cap, "c", kFp).status(), "mount_flags");
  cap = MountCap();
  cap.mutable_mount()->add_mount_flags("ro,remount");
  ExpectInvalid(ValidateCapability(cap, "c", kFp).status(), "mount_flags");
  VolumeCapability block;
  block.mutable_block();
  block.mutable_access_mode()->set_mode(VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  EXPECT_TRUE(ValidateCapability(block, "c", kFp)->block);
}

TEST(ValidatePublishTest, MissingStagingPathIsFailedPrecondition) {
  ::csi::v1::NodePublishVolumeRequest r;
  r.set_volume_id("vol-1");
  r.set_target_path("/pods/x/mount");
  *r.mutable_volume_capability() = MountCap();
  EXPECT_EQ(ValidatePublish(r).status().code(), absl::StatusCode::kFailedPrecondition);
  r.set_staging_target_path("/staging");
  r.set_readonly(true);
  auto p = ValidatePublish(r);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->readonly);
  r.clear_target_path();
  ExpectInvalid(ValidatePublish(r).status(), "target_path");
}

TEST(ValidateOtherTest, UnstageUnpublishStatsExpand) {
  ::csi::v1::NodeUnstageVolumeRequest u;
  u.set_volume_id("v");
  ExpectInvalid(ValidateUnstage(u).status(), "staging_target_path");
  ::csi::v1::NodeUnpublishVolumeRequest up;
  up.set_target_path("/t");
  ExpectInvalid(ValidateUnpublish(up).status(), "volume_id");
  ::csi::v1::NodeGetVolumeStatsRequest st;
  st.set_volume_id("v");
  ExpectInvalid(ValidateStats(st).status(), "volume_path");
  ::csi::v1::NodeExpandVolumeRequest e;
  e.set_volume_id("v");
  ExpectInvalid(ValidateExpand(e).status(), "volume_path");
  e.set_volume_path("/p");
  e.mutable_capacity_range()->set_required_bytes(10);
  e.mutable_capacity_range()->set_limit_bytes(5);
  ExpectInvalid(ValidateExpand(e).status(), "required_bytes");
  e.mutable_capacity_range()->set_limit_bytes(0);
  EXPECT_EQ(ValidateExpand(e)->required_bytes, 10);
}

}  // namespace
}  // namespace byok::node
