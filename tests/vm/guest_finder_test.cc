// node::SysfsDeviceFinder on a real kernel, inside the QEMU guest of tests/vm/finder.sh (ctest
// node_vm_device_finder, label vm; no lab). The disks are real virtio-blk devices with serials
// set by QEMU, so /sys/block/vdX/serial, the /dev/vdX nodes (devtmpfs) and the
// /dev/disk/by-id/virtio-<serial> links (made by the guest's init, there is no udev) are the
// kernel's, not a fake tree's. finder.sh attaches, in this order (the fixture checks it):
//   vda, vdb  both with the serial of FINDER_DUP_ID (a double attach)
//   vdc       FINDER_A_ID            vdd  FINDER_B_ID            vde  FINDER_ONE_ID
// and FINDER_GHOST_ID names a volume that no disk reports.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "node/sysfs_device_finder.h"

namespace byok::node {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr size_t kSerialBytes = 20;  // virtio-blk keeps the first 20 bytes of the serial
const fs::path kById = "/dev/disk/by-id";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string SysSerial(const std::string& disk) {
  std::ifstream in("/sys/block/" + disk + "/serial");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

fs::path LinkOf(const std::string& volume_id) {
  return kById / ("virtio-" + volume_id.substr(0, kSerialBytes));
}

// Points /dev/disk/by-id/virtio-<serial of volume_id> at `disk` (as a missed udev remove would
// leave it), and puts back what was there before when it goes out of scope.
class ScopedLink {
 public:
  ScopedLink(const std::string& volume_id, const std::string& disk) : link_(LinkOf(volume_id)) {
    fs::create_directories(kById);
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(link_, ec))) old_target_ = fs::read_symlink(link_);
    fs::remove(link_, ec);
    if (!disk.empty()) fs::create_symlink("../../" + disk, link_);
  }
  ~ScopedLink() {
    std::error_code ec;
    fs::remove(link_, ec);
    if (!old_target_.empty()) fs::create_symlink(old_target_, link_, ec);
  }
  ScopedLink(const ScopedLink&) = delete;
  ScopedLink& operator=(const ScopedLink&) = delete;

 private:
  fs::path link_;
  fs::path old_target_;
};

class GuestDeviceFinderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dup_ = Env("FINDER_DUP_ID");
    a_ = Env("FINDER_A_ID");
    b_ = Env("FINDER_B_ID");
    one_ = Env("FINDER_ONE_ID");
    ghost_ = Env("FINDER_GHOST_ID");
    ASSERT_FALSE(dup_.empty() || a_.empty() || b_.empty() || one_.empty() || ghost_.empty())
        << "run by tests/vm/finder.sh (FINDER_*_ID)";
    // The disk layout finder.sh promised, as the kernel reports it.
    const std::pair<const char*, const std::string*> layout[] = {
        {"vda", &dup_}, {"vdb", &dup_}, {"vdc", &a_}, {"vdd", &b_}, {"vde", &one_}};
    for (const auto& [disk, id] : layout) {
      ASSERT_EQ(SysSerial(disk), id->substr(0, kSerialBytes)) << "/sys/block/" << disk;
    }
  }
  absl::StatusOr<std::string> Find(const std::string& id, absl::Duration wait = absl::Seconds(2)) {
    SysfsDeviceFinder::Options o;  // the real /dev and /sys, block devices required
    o.poll_interval = absl::Milliseconds(200);
    return SysfsDeviceFinder(o).Find(id, absl::Now() + wait);
  }

  std::string dup_, a_, b_, one_, ghost_;
};

TEST_F(GuestDeviceFinderTest, TwoDisksWithTheVolumesSerialAreRefusedNamingBoth) {
  // init linked virtio-<serial> to one of the two (the last one it saw): a finder that trusts
  // the link would return that disk and never notice the other.
  std::error_code ec;
  std::string linked = fs::canonical(LinkOf(dup_), ec).string();
  EXPECT_THAT(linked, ::testing::AnyOf("/dev/vda", "/dev/vdb")) << ec.message();

  auto found = Find(dup_);
  ASSERT_FALSE(found.ok()) << "returned " << *found;
  EXPECT_EQ(found.status().code(), absl::StatusCode::kFailedPrecondition) << found.status();
  EXPECT_THAT(found.status().message(), HasSubstr("/dev/vda"));
  EXPECT_THAT(found.status().message(), HasSubstr("/dev/vdb"));
  EXPECT_THAT(found.status().message(), HasSubstr(dup_.substr(0, kSerialBytes)));

  // Without any link, the /sys/block scan alone sees both.
  ScopedLink no_link(dup_, "");
  found = Find(dup_);
  ASSERT_FALSE(found.ok()) << "returned " << *found;
  EXPECT_EQ(found.status().code(), absl::StatusCode::kFailedPrecondition) << found.status();
  EXPECT_THAT(found.status().message(), HasSubstr("/dev/vda"));
  EXPECT_THAT(found.status().message(), HasSubstr("/dev/vdb"));
}

TEST_F(GuestDeviceFinderTest, StaleByIdLinkIsIgnored) {
  // B's link points at A's disk (vdc), which reports A's serial: B is vdd, whatever the link says.
  ScopedLink stale(b_, "vdc");
  ASSERT_EQ(fs::canonical(LinkOf(b_)).string(), "/dev/vdc");
  auto found = Find(b_);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, "/dev/vdd");
  // A is still A: its own link and the sysfs scan name the same disk, counted once.
  found = Find(a_);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, "/dev/vdc");
}

TEST_F(GuestDeviceFinderTest, StaleByIdLinkOfAnAbsentVolumeIsNotFound) {
  // No disk reports the ghost's serial; its leftover link points at A's disk.
  ScopedLink stale(ghost_, "vdc");
  ASSERT_EQ(fs::canonical(LinkOf(ghost_)).string(), "/dev/vdc");
  auto found = Find(ghost_, absl::Seconds(1));
  ASSERT_FALSE(found.ok()) << "returned " << *found;
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
}

TEST_F(GuestDeviceFinderTest, SingleDiskIsFoundByLinkAndBySysfsAlone) {
  ASSERT_EQ(fs::canonical(LinkOf(one_)).string(), "/dev/vde");  // init's link
  auto found = Find(one_);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, "/dev/vde");

  ScopedLink no_link(one_, "");  // no udev, no link: /sys/block/vde/serial alone
  found = Find(one_);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, "/dev/vde");
}

}  // namespace
}  // namespace byok::node
