#include "csi/endpoint.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace byok::csi {
namespace {

TEST(EndpointTest, AcceptsTheUsualForms) {
  EXPECT_EQ(*UnixSocketPath("unix:///csi/csi.sock"), "/csi/csi.sock");
  EXPECT_EQ(*UnixSocketPath("unix:/csi/csi.sock"), "/csi/csi.sock");
  EXPECT_EQ(*UnixSocketPath("/csi/csi.sock"), "/csi/csi.sock");
}

TEST(EndpointTest, RejectsTcpRelativeAndTooLong) {
  EXPECT_FALSE(UnixSocketPath("tcp://127.0.0.1:10000").ok());
  EXPECT_FALSE(UnixSocketPath("unix://relative.sock").ok());
  EXPECT_FALSE(UnixSocketPath("unix://" + std::string(200, 'a')).ok());
}

class PrepareSocketPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("byok-endpoint-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  int BindSocket(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  }
  std::filesystem::path dir_;
};

TEST_F(PrepareSocketPathTest, CreatesParentDirectory) {
  std::string path = (dir_ / "a/b/csi.sock").string();
  EXPECT_TRUE(PrepareSocketPath(path).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "a/b"));
}

TEST_F(PrepareSocketPathTest, RemovesStaleSocketButNotALiveOne) {
  std::filesystem::create_directories(dir_);
  std::string path = (dir_ / "csi.sock").string();
  int fd = BindSocket(path);
  ASSERT_EQ(listen(fd, 1), 0);
  EXPECT_EQ(PrepareSocketPath(path).code(), absl::StatusCode::kFailedPrecondition);
  close(fd);  // Now stale: the file stays, nobody listens.
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(PrepareSocketPath(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(PrepareSocketPathTest, RefusesToRemoveARegularFile) {
  std::filesystem::create_directories(dir_);
  std::string path = (dir_ / "csi.sock").string();
  std::ofstream(path) << "data";
  EXPECT_EQ(PrepareSocketPath(path).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace byok::csi
