#include "node/sysfs_device_finder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/log.h"

namespace byok::node {
namespace {

namespace fs = std::filesystem;

constexpr char kId[] = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
constexpr char kShort[] = "1b4e28ba-2fa1-11d2-8";  // 20 chars

class SysfsDeviceFinderTest : public ::testing::Test {
 protected:
  SysfsDeviceFinderTest() {
    std::string pattern = (fs::temp_directory_path() / "finder-test.XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    fs::create_directories(root_ / "dev/disk/by-id");
    fs::create_directories(root_ / "sys/block");
    fs::create_directories(root_ / "sys/class/scsi_host/host0");
  }
  ~SysfsDeviceFinderTest() override { fs::remove_all(root_); }

  SysfsDeviceFinder Finder() {
    SysfsDeviceFinder::Options o;
    o.dev_dir = (root_ / "dev").string();
    o.sys_dir = (root_ / "sys").string();
    o.poll_interval = absl::Milliseconds(20);
    o.require_block_device = false;
    return SysfsDeviceFinder(o);
  }
  void Write(const fs::path& path, const std::string& data) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << data;
  }
  std::string Dev(const std::string& name) { return (root_ / "dev" / name).string(); }

  fs::path root_;
};

TEST_F(SysfsDeviceFinderTest, CandidateLinksTruncateToTwentyChars) {
  EXPECT_THAT(SysfsDeviceFinder::CandidateLinks(kId),
              ::testing::ElementsAre(std::string("virtio-") + kShort, std::string("virtio-") + kId,
                                     std::string("scsi-0QEMU_QEMU_HARDDISK_") + kShort,
                                     std::string("scsi-0QEMU_QEMU_HARDDISK_") + kId));
}

TEST_F(SysfsDeviceFinderTest, FindsTheVirtioByIdLink) {
  Write(root_ / "dev/vdb", "");
  Write(root_ / "sys/block/vdb/serial", kShort);
  fs::create_symlink("../../vdb", root_ / "dev/disk/by-id" / (std::string("virtio-") + kShort));
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, fs::canonical(Dev("vdb")).string());
}

TEST_F(SysfsDeviceFinderTest, FindsTheScsiLink) {
  Write(root_ / "dev/sdc", "");
  Write(root_ / "sys/block/sdc/device/vpd_pg80", std::string("\x00\x80\x00\x24", 4) + kId);
  fs::create_symlink("../../sdc",
                     root_ / "dev/disk/by-id" / (std::string("scsi-0QEMU_QEMU_HARDDISK_") + kId));
  EXPECT_TRUE(Finder().Find(kId, absl::Now() + absl::Seconds(1)).ok());
}

TEST_F(SysfsDeviceFinderTest, FindsByVirtioSerialWithoutUdev) {
  Write(root_ / "dev/vdb", "");
  Write(root_ / "dev/vdc", "");
  Write(root_ / "sys/block/vdb/serial", "someothervolumeid00");
  Write(root_ / "sys/block/vdc/serial", kShort);
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, Dev("vdc"));
}

TEST_F(SysfsDeviceFinderTest, FindsByScsiUnitSerialPage) {
  Write(root_ / "dev/sdb", "");
  Write(root_ / "sys/block/sdb/device/vpd_pg80", std::string("\x00\x80\x00\x24", 4) + kId);
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, Dev("sdb"));
}

// udev missed a detach and re-attach: the link now points at a disk of another volume. Trusting
// it with a pending LUKS state would format that disk.
TEST_F(SysfsDeviceFinderTest, StaleByIdLinkIsIgnoredAndTheScanFindsTheDisk) {
  Write(root_ / "dev/vdb", "");
  Write(root_ / "sys/block/vdb/serial", "someothervolumeid000");
  fs::create_symlink("../../vdb", root_ / "dev/disk/by-id" / (std::string("virtio-") + kShort));
  Write(root_ / "dev/vdc", "");
  Write(root_ / "sys/block/vdc/serial", kShort);
  std::vector<std::string> lines;
  log::SetSinkForTest([&](std::string_view line) { lines.emplace_back(line); });
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(1));
  log::SetSinkForTest(nullptr);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, Dev("vdc"));
  EXPECT_THAT(lines,
              ::testing::Contains(::testing::AllOf(
                  ::testing::HasSubstr("stale"), ::testing::HasSubstr("virtio-"),
                  ::testing::HasSubstr(Dev("vdb")), ::testing::HasSubstr("someothervolumeid000"))));
}

TEST_F(SysfsDeviceFinderTest, TwoDisksWithTheVolumeSerialAreRefusedAtOnce) {
  Write(root_ / "dev/vdb", "");
  Write(root_ / "sys/block/vdb/serial", kShort);
  Write(root_ / "dev/vdc", "");
  Write(root_ / "sys/block/vdc/serial", kShort);
  absl::Time start = absl::Now();
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(found.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(found.status().message(),
              ::testing::AllOf(::testing::HasSubstr(kId), ::testing::HasSubstr(Dev("vdb")),
                               ::testing::HasSubstr(Dev("vdc")),
                               ::testing::HasSubstr("refusing to guess")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));  // not retried until the deadline
}

// The by-id links and the sysfs scan all name vdb: one disk, not three. (The stale link ahead
// of them is there so the first-match finder fails this test too.)
TEST_F(SysfsDeviceFinderTest, LinksAndScanHitOfTheSameDiskCountOnce) {
  Write(root_ / "dev/sdb", "");
  Write(root_ / "sys/block/sdb/device/vpd_pg80", std::string("\x00\x80\x00\x24", 4) + kId);
  fs::create_symlink("../../sdb",
                     root_ / "dev/disk/by-id" / (std::string("scsi-0QEMU_QEMU_HARDDISK_") + kId));
  fs::create_symlink(root_ / "dev/sdb", root_ / "dev/disk/by-id" /
                                            (std::string("scsi-0QEMU_QEMU_HARDDISK_") + kShort));
  Write(root_ / "dev/vdb", "");
  Write(root_ / "sys/block/vdb/serial", "someothervolumeid000");
  fs::create_symlink("../../vdb", root_ / "dev/disk/by-id" / (std::string("virtio-") + kShort));
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, Dev("sdb"));
}

TEST_F(SysfsDeviceFinderTest, WaitsForTheDiskToAppearAndRescansScsi) {
  std::thread attach([&] {
    absl::SleepFor(absl::Milliseconds(150));
    Write(root_ / "dev/vdd", "");
    Write(root_ / "sys/block/vdd/serial", kShort);
  });
  auto found = Finder().Find(kId, absl::Now() + absl::Seconds(5));
  attach.join();
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, Dev("vdd"));
  std::ifstream scan(root_ / "sys/class/scsi_host/host0/scan");
  std::string written;
  std::getline(scan, written);
  EXPECT_EQ(written, "- - -");
}

TEST_F(SysfsDeviceFinderTest, NotFoundAtTheDeadline) {
  absl::Time start = absl::Now();
  auto found = Finder().Find(kId, absl::Now() + absl::Milliseconds(100));
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(found.status().message(), ::testing::HasSubstr(kShort));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(SysfsDeviceFinderTest, RefusesIdsThatAreNotNames) {
  EXPECT_EQ(Finder().Find("../x", absl::Now()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SysfsDeviceFinderTest, RealFinderRequiresBlockDevices) {
  Write(root_ / "dev/vdb", "");
  Write(root_ / "sys/block/vdb/serial", kShort);
  SysfsDeviceFinder::Options o;
  o.dev_dir = (root_ / "dev").string();
  o.sys_dir = (root_ / "sys").string();
  o.poll_interval = absl::Milliseconds(10);
  EXPECT_FALSE(SysfsDeviceFinder(o).Find(kId, absl::Now() + absl::Milliseconds(30)).ok());
}

}  // namespace
}  // namespace byok::node
