#include "node/publisher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/paths.h"
#include "node/stager.h"
#include "node/testing/node_world.h"

namespace byok::node {
namespace {

using envelope::LuksState;
using testing::NodeWorld;

class PublisherTest : public ::testing::Test {
 protected:
  PublisherTest() : limiter_(2), stager_(world_.deps(), &limiter_), publisher_(world_.deps()) {}

  // Stages a fresh envelope volume; returns its publish params for `target`.
  PublishParams Staged(bool block, const std::string& target) {
    auto v = world_.AddEnvelopeVolume(block ? "pvc-blk" : "pvc-fs", LuksState::kPending);
    StageParams s;
    s.volume_id = v.id;
    s.staging_path = world_.Path(block ? "staging-blk" : "staging-fs");
    s.access.block = block;
    s.secret.key_id = v.key_id;
    EXPECT_TRUE(stager_.Stage(s, absl::Now() + absl::Seconds(5)).ok());
    PublishParams p;
    p.volume_id = v.id;
    p.staging_path = s.staging_path;
    p.target_path = world_.Path(target);
    p.access.block = block;
    return p;
  }

  NodeWorld world_;
  UnlockLimiter limiter_;
  Stager stager_;
  Publisher publisher_;
};

TEST_F(PublisherTest, MountModeBindMountsTheStagingDirAndIsIdempotent) {
  PublishParams p = Staged(false, "pods/uid/volumes/pv/mount");
  ASSERT_TRUE(publisher_.Publish(p).ok());
  auto staged = world_.host().MountAt(p.staging_path);
  auto target = world_.host().MountAt(p.target_path);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->device, staged->device);
  EXPECT_FALSE(target->readonly);
  EXPECT_TRUE(publisher_.Publish(p).ok());
}

TEST_F(PublisherTest, SameTargetWithOtherReadOnlyNessIsAlreadyExists) {
  PublishParams p = Staged(false, "target");
  ASSERT_TRUE(publisher_.Publish(p).ok());
  p.readonly = true;
  EXPECT_EQ(publisher_.Publish(p).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(PublisherTest, ReadOnlyPublish) {
  PublishParams p = Staged(false, "target");
  p.readonly = true;
  ASSERT_TRUE(publisher_.Publish(p).ok());
  EXPECT_TRUE(world_.host().MountAt(p.target_path)->readonly);
}

TEST_F(PublisherTest, NotStagedIsFailedPrecondition) {
  PublishParams p;
  p.volume_id = "vol";
  p.staging_path = world_.Path("never-staged");
  p.target_path = world_.Path("target");
  EXPECT_EQ(publisher_.Publish(p).code(), absl::StatusCode::kFailedPrecondition);
  p.access.block = true;
  EXPECT_EQ(publisher_.Publish(p).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PublisherTest, BlockModePublishesTheDeviceOnAFile) {
  PublishParams p = Staged(true, "publish/pv/pod-uid");
  ASSERT_TRUE(publisher_.Publish(p).ok());
  EXPECT_TRUE(PathExists(p.target_path));
  EXPECT_FALSE(IsDirectory(p.target_path));
  auto at_target = world_.host().probe().DeviceNumber(p.target_path);
  ASSERT_TRUE(at_target.ok());
  EXPECT_EQ(*at_target, *world_.host().probe().DeviceNumber(BlockStagingFile(p.staging_path)));
  EXPECT_TRUE(publisher_.Publish(p).ok());
  ASSERT_TRUE(publisher_.Unpublish({p.volume_id, p.target_path}).ok());
  EXPECT_FALSE(PathExists(p.target_path));
}

TEST_F(PublisherTest, UnpublishRemovesTargetAndIsIdempotent) {
  PublishParams p = Staged(false, "target");
  ASSERT_TRUE(publisher_.Publish(p).ok());
  ASSERT_TRUE(publisher_.Unpublish({p.volume_id, p.target_path}).ok());
  EXPECT_FALSE(world_.host().MountAt(p.target_path).has_value());
  EXPECT_FALSE(PathExists(p.target_path));
  EXPECT_TRUE(publisher_.Unpublish({p.volume_id, p.target_path}).ok());
}

TEST_F(PublisherTest, UnpublishNeverDeletesContentOfAnUnmountedDirectory) {
  std::string target = world_.Path("not-ours");
  ASSERT_TRUE(EnsureFile(target + "/data").ok());
  EXPECT_EQ(publisher_.Unpublish({"vol", target}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(PathExists(target + "/data"));
}

TEST_F(PublisherTest, UnstageAfterUnpublishCloses) {
  PublishParams p = Staged(false, "target");
  ASSERT_TRUE(publisher_.Publish(p).ok());
  EXPECT_FALSE(stager_.Unstage({p.volume_id, p.staging_path}).ok());  // still published
  ASSERT_TRUE(publisher_.Unpublish({p.volume_id, p.target_path}).ok());
  EXPECT_TRUE(stager_.Unstage({p.volume_id, p.staging_path}).ok());
}

}  // namespace
}  // namespace byok::node
