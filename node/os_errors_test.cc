#include "node/os_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/paths.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(CodeForErrnoTest, TheTable) {
  EXPECT_EQ(CodeForErrno(ENOENT), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeForErrno(ENODEV), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeForErrno(EPERM), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeForErrno(EACCES), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeForErrno(EEXIST), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForErrno(EBUSY), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeForErrno(EINVAL), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeForErrno(ENOMEM), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CodeForErrno(ENOSPC), absl::StatusCode::kResourceExhausted);
}

TEST(CodeForErrnoTest, AnythingElseIsTheFallback) {
  EXPECT_EQ(CodeForErrno(EIO), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForErrno(ENOTDIR), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForErrno(ENOTEMPTY), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForErrno(0), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForErrno(EIO, absl::StatusCode::kUnavailable), absl::StatusCode::kUnavailable);
  // The table wins over the fallback.
  EXPECT_EQ(CodeForErrno(ENOENT, absl::StatusCode::kUnavailable), absl::StatusCode::kNotFound);
}

TEST(ErrnoStatusTest, NamesWhatAndTheErrorAndCarriesTheErrno) {
  absl::Status s = ErrnoStatus(EBUSY, "unmount of /mnt/x");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), std::string("unmount of /mnt/x: ") + std::strerror(EBUSY));
  EXPECT_EQ(ErrnoOf(s), EBUSY);
}

TEST(ErrnoStatusTest, NoErrnoIsTheFallbackWithoutPayload) {
  absl::Status s = ErrnoStatus(0, "mount of /dev/vdb failed", absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "mount of /dev/vdb failed");
  EXPECT_EQ(ErrnoOf(s), std::nullopt);
  EXPECT_EQ(ErrnoOf(absl::InternalError("x")), std::nullopt);
}

TEST(ErrnoStatusTest, ACallAnswersOnlyTheCodesItMayAndTheFallbackOtherwise) {
  // exec: a missing tool is not CSI's NOT_FOUND ("no such volume").
  absl::Status spawn = ErrnoStatus(ENOENT, "cannot run mkfs", absl::StatusCode::kInternal, {});
  EXPECT_EQ(spawn.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrnoOf(spawn), ENOENT);
  EXPECT_THAT(std::string(spawn.message()), HasSubstr("cannot run mkfs: "));
  absl::Status busy = ErrnoStatus(EBUSY, "mount", absl::StatusCode::kInternal,
                                  {absl::StatusCode::kFailedPrecondition});
  EXPECT_EQ(busy.code(), absl::StatusCode::kFailedPrecondition);
  absl::Status nodev = ErrnoStatus(ENODEV, "mount", absl::StatusCode::kInternal,
                                   {absl::StatusCode::kFailedPrecondition});
  EXPECT_EQ(nodev.code(), absl::StatusCode::kInternal);
}

TEST(ErrnoStatusTest, AnnotateKeepsCodeAndErrno) {
  absl::Status s = openstack::Annotate(ErrnoStatus(EACCES, "cannot open /dev/vdb"), "volume v");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(s.message()), StartsWith("volume v: cannot open /dev/vdb: "));
  EXPECT_EQ(ErrnoOf(s), EACCES);
}

class HostFilesystemTest : public ::testing::Test {
 protected:
  HostFilesystemTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "paths-test.XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  ~HostFilesystemTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  HostFilesystem fs_;
};

TEST_F(HostFilesystemTest, MountPointsComeAndGo) {
  std::string target = dir_ + "/a/b/target";
  ASSERT_TRUE(fs_.EnsureDirectory(target).ok());
  EXPECT_TRUE(fs_.IsDirectory(target));
  EXPECT_TRUE(fs_.EnsureDirectory(target).ok());
  ASSERT_TRUE(fs_.RemoveMountPoint(target).ok());
  EXPECT_FALSE(fs_.PathExists(target));
  EXPECT_TRUE(fs_.RemoveMountPoint(target).ok()) << "gone is fine";

  std::string file = dir_ + "/c/device";
  ASSERT_TRUE(fs_.EnsureFile(file).ok());
  EXPECT_TRUE(fs_.PathExists(file));
  EXPECT_FALSE(fs_.IsDirectory(file));
  EXPECT_TRUE(fs_.EnsureFile(file).ok());
  ASSERT_TRUE(fs_.RemoveMountPoint(file).ok());
  EXPECT_FALSE(fs_.PathExists(file));
}

TEST_F(HostFilesystemTest, ADirectoryWithContentIsLeftInPlace) {
  std::string target = dir_ + "/target";
  ASSERT_TRUE(fs_.EnsureFile(target + "/data").ok());
  absl::Status s = fs_.RemoveMountPoint(target);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not empty"));
  EXPECT_TRUE(fs_.PathExists(target + "/data"));
}

TEST_F(HostFilesystemTest, ErrorsCarryTheErrnoAndStayInternal) {
  std::string file = dir_ + "/file";
  std::ofstream(file) << "x";
  absl::Status s = fs_.EnsureDirectory(file + "/sub");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), StartsWith("cannot create directory " + file + "/sub: "));
  EXPECT_TRUE(ErrnoOf(s).has_value()) << s;
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
}

TEST_F(HostFilesystemTest, Usage) {
  absl::StatusOr<FilesystemUsage> usage = fs_.Usage(dir_);
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_GT(usage->total_bytes, 0);
  EXPECT_LE(usage->available_bytes, usage->total_bytes);

  absl::StatusOr<FilesystemUsage> missing = fs_.Usage(dir_ + "/missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), StartsWith("statvfs of " + dir_));
  EXPECT_EQ(ErrnoOf(missing.status()), ENOENT);
}

}  // namespace
}  // namespace byok::node
