#include "csi/inflight.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "csi/csi.grpc.pb.h"
#include "csi/server.h"

namespace byok::csi {
namespace {

TEST(InflightTrackerTest, SecondAcquireOfSameKeyFailsUntilReleased) {
  InflightTracker tracker;
  {
    auto first = tracker.TryAcquire("vol-1");
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(tracker.TryAcquire("vol-1").has_value());
    EXPECT_TRUE(tracker.TryAcquire("vol-2").has_value());
    EXPECT_TRUE(tracker.IsInflight("vol-1"));
  }
  EXPECT_FALSE(tracker.IsInflight("vol-1"));
  EXPECT_TRUE(tracker.TryAcquire("vol-1").has_value());
}

// A node service whose stats call holds the volume until released, guarded the way every
// real handler is: a concurrent call for the same volume must get ABORTED over the wire.
class BlockingNode final : public ::csi::v1::Node::Service {
 public:
  grpc::Status NodeGetVolumeStats(grpc::ServerContext*,
                                  const ::csi::v1::NodeGetVolumeStatsRequest* request,
                                  ::csi::v1::NodeGetVolumeStatsResponse*) override {
    auto guard = tracker_.TryAcquire(request->volume_id());
    if (!guard) {
      return grpc::Status(grpc::StatusCode::ABORTED,
                          "an operation on volume " + request->volume_id() + " is in progress");
    }
    entered_ = true;
    while (!release_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return grpc::Status::OK;
  }
  std::atomic<bool> entered_{false};
  std::atomic<bool> release_{false};

 private:
  InflightTracker tracker_;
};

TEST(InflightGuardOverGrpcTest, ConcurrentCallForSameVolumeIsAborted) {
  std::string socket = std::filesystem::temp_directory_path() /
                       ("byok-inflight-" + std::to_string(getpid()) + ".sock");
  BlockingNode node;
  auto server = Server::Start({.endpoint = "unix://" + socket}, {&node});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  auto stub = ::csi::v1::Node::NewStub(channel);

  ::csi::v1::NodeGetVolumeStatsRequest request;
  request.set_volume_id("vol-1");
  request.set_volume_path("/x");
  grpc::Status first_status;
  std::thread first([&] {
    grpc::ClientContext context;
    ::csi::v1::NodeGetVolumeStatsResponse response;
    first_status = stub->NodeGetVolumeStats(&context, request, &response);
  });
  while (!node.entered_) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  grpc::ClientContext context;
  ::csi::v1::NodeGetVolumeStatsResponse response;
  grpc::Status second = stub->NodeGetVolumeStats(&context, request, &response);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_NE(second.error_message().find("vol-1"), std::string::npos);

  ::csi::v1::NodeGetVolumeStatsRequest other = request;
  other.set_volume_id("vol-2");
  node.release_ = true;
  first.join();
  EXPECT_TRUE(first_status.ok()) << first_status.error_message();
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace byok::csi
