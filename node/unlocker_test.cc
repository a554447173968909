#include "node/unlocker.h"

#include <gtest/gtest.h>

#include "envelope/key_wrap.h"
#include "node/mapping_name.h"
#include "node/testing/fake_host.h"

namespace byok::node {
namespace {

using testing::FakeHost;

class UnlockerTest : public ::testing::Test {
 protected:
  UnlockerTest() : limiter_(1), unlocker_(&host_.crypt(), &limiter_) {}
  absl::StatusOr<std::string> Open(const std::string& device, const SecureBytes& pass) {
    return unlocker_.Open(device, "byok-v", pass, absl::Now() + absl::Seconds(2));
  }
  FakeHost host_;
  UnlockLimiter limiter_;
  Unlocker unlocker_;
  SecureBytes key_ = *envelope::GenerateDek();
};

TEST_F(UnlockerTest, OpensAndReusesAfterVerifyingTheKey) {
  std::string dev = host_.AddLuksDisk("v", 1 << 30, testing::LuksVersion::kLuks2, key_);
  ASSERT_EQ(*Open(dev, key_), "/dev/mapper/byok-v");
  EXPECT_EQ(host_.activations(), 1);
  ASSERT_TRUE(Open(dev, key_).ok());
  EXPECT_EQ(host_.activations(), 1);
  EXPECT_EQ(host_.verifications(), 1);
}

TEST_F(UnlockerTest, ActiveMappingIsNotReusedWithoutTheKey) {
  std::string dev = host_.AddLuksDisk("v", 1 << 30, testing::LuksVersion::kLuks2, key_);
  ASSERT_TRUE(Open(dev, key_).ok());
  EXPECT_EQ(Open(dev, *envelope::GenerateDek()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(UnlockerTest, WrongKeyIsPermissionDenied) {
  std::string dev = host_.AddLuksDisk("v", 1 << 30, testing::LuksVersion::kLuks1, key_);
  EXPECT_EQ(Open(dev, *envelope::GenerateDek()).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(host_.MappingActive("byok-v"));
}

TEST_F(UnlockerTest, MappingOnAnotherDeviceIsReplacedWhenIdle) {
  std::string dev = host_.AddLuksDisk("v", 1 << 30, testing::LuksVersion::kLuks2, key_);
  std::string other = host_.AddDisk("other", 1 << 30);
  host_.AddMapping("byok-v", other);
  ASSERT_TRUE(Open(dev, key_).ok());
  EXPECT_EQ(host_.crypt().GetMapping("byok-v")->backing_device, dev);
}

TEST_F(UnlockerTest, MappingOnAnotherDeviceInUseIsLeftAlone) {
  std::string dev = host_.AddLuksDisk("v", 1 << 30, testing::LuksVersion::kLuks2, key_);
  std::string other = host_.AddLuksDisk("other", 1 << 30, testing::LuksVersion::kLuks2, key_);
  ASSERT_TRUE(Open(other, key_).ok());
  ASSERT_TRUE(host_.mounter().Mount("/dev/mapper/byok-v", "/", "ext4", {}).ok());
  auto opened = Open(dev, key_);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(host_.crypt().GetMapping("byok-v")->backing_device, other);
}

TEST_F(UnlockerTest, BusyLimiterIsUnavailableAtTheDeadline) {
  std::string dev = host_.AddLuksDisk("v", 1 << 30, testing::LuksVersion::kLuks2, key_);
  auto slot = limiter_.Acquire(absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(slot.ok());
  auto opened = unlocker_.Open(dev, "byok-v", key_, absl::Now() + absl::Milliseconds(50));
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace byok::node
