#include "node/expander.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/mapping_name.h"
#include "node/publisher.h"
#include "node/stager.h"
#include "node/testing/node_world.h"

namespace byok::node {
namespace {

using envelope::LuksState;
using ::testing::Contains;
using testing::kGiB;
using testing::NodeWorld;

class ExpanderTest : public ::testing::Test {
 protected:
  ExpanderTest()
      : limiter_(2),
        stager_(world_.deps(), &limiter_),
        expander_(world_.deps(), Expander::Options{absl::Milliseconds(10)}) {}

  NodeWorld::Volume StageVolume(bool block, const std::string& fs_type = "") {
    auto v = world_.AddEnvelopeVolume("pvc-x", LuksState::kPending);
    StageParams s;
    s.volume_id = v.id;
    s.staging_path = world_.Path("staging");
    s.access.block = block;
    s.access.fs_type = fs_type;
    s.secret.key_id = v.key_id;
    EXPECT_TRUE(stager_.Stage(s, absl::Now() + absl::Seconds(5)).ok());
    return v;
  }
  absl::StatusOr<int64_t> Expand(const std::string& id, const std::string& path, int64_t required,
                                 absl::Duration timeout = absl::Seconds(5)) {
    ExpandParams p;
    p.volume_id = id;
    p.volume_path = path;
    p.required_bytes = required;
    return expander_.Expand(p, absl::Now() + timeout);
  }

  NodeWorld world_;
  UnlockLimiter limiter_;
  Stager stager_;
  Expander expander_;
};

TEST_F(ExpanderTest, GrowsMappingAndExt4AndReportsTheUsableSize) {
  auto v = StageVolume(false);
  world_.host().SetDiskSize(v.device, 2 * kGiB);
  auto bytes = Expand(v.id, world_.Path("staging"), 2 * kGiB);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, 2 * kGiB - (16 << 20));  // minus the LUKS2 header
  EXPECT_EQ(world_.host().resizes(), 1);
  EXPECT_THAT(world_.host().commands(), Contains("resize2fs " + MapperPath(MappingName(v.id))));
}

TEST_F(ExpanderTest, XfsGrowsThroughTheMountPoint) {
  auto v = StageVolume(false, "xfs");
  world_.host().SetDiskSize(v.device, 2 * kGiB);
  ASSERT_TRUE(Expand(v.id, world_.Path("staging"), 0).ok());
  EXPECT_THAT(world_.host().commands(), Contains("xfs_growfs -d " + world_.Path("staging")));
}

TEST_F(ExpanderTest, BlockModeGrowsOnlyTheMapping) {
  auto v = StageVolume(true);
  world_.host().SetDiskSize(v.device, 3 * kGiB);
  auto bytes = Expand(v.id, BlockStagingFile(world_.Path("staging")), 3 * kGiB);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(world_.host().resizes(), 1);
  EXPECT_TRUE(world_.host().commands().empty());
}

TEST_F(ExpanderTest, DiskNotGrownYetIsUnavailable) {
  auto v = StageVolume(false);
  auto bytes = Expand(v.id, world_.Path("staging"), 2 * kGiB, absl::Milliseconds(100));
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(world_.host().resizes(), 0);
}

TEST_F(ExpanderTest, MissingPathIsNotFound) {
  EXPECT_EQ(Expand("vol", world_.Path("nope"), 0).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace byok::node
