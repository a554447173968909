#include "csi/rpc_interceptor.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "common/log.h"
#include "csi/csi.grpc.pb.h"
#include "csi/identity_service.h"
#include "csi/metrics.h"
#include "csi/server.h"

namespace byok::csi {
namespace {

constexpr char kPlanted[] = "PLANTED-KEY-ID-b7e1c0de";

class FailingNode final : public ::csi::v1::Node::Service {
 public:
  grpc::Status NodeStageVolume(grpc::ServerContext*, const ::csi::v1::NodeStageVolumeRequest*,
                               ::csi::v1::NodeStageVolumeResponse*) override {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "device holds data");
  }
};

class RpcInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetSinkForTest([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      output_ += line;
    });
    socket_ = std::filesystem::temp_directory_path() /
              ("byok-interceptor-" + std::to_string(getpid()) + ".sock");
    auto server = Server::Start({.endpoint = "unix://" + socket_, .metrics = &metrics_},
                                {&identity_, &node_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel("unix://" + socket_, grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    server_->Shutdown(absl::Seconds(1));
    server_.reset();
    log::SetSinkForTest(nullptr);
    log::Configure(log::Format::kText, 0);
  }
  std::string Output() {
    std::lock_guard<std::mutex> lock(mu_);
    return output_;
  }

  Metrics metrics_;
  IdentityService identity_{false};
  FailingNode node_;
  std::string socket_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::mutex mu_;
  std::string output_;
};

TEST_F(RpcInterceptorTest, LogsMethodVolumeCodeAndNeverTheSecret) {
  // The most verbose level also logs whole requests; the secret must still not appear.
  log::Configure(log::Format::kText, 10);
  auto stub = ::csi::v1::Node::NewStub(channel_);
  ::csi::v1::NodeStageVolumeRequest request;
  request.set_volume_id("vol-42");
  request.set_staging_target_path("/staging");
  (*request.mutable_secrets())["keyID"] = kPlanted;
  (*request.mutable_publish_context())["device"] = "/dev/vdb";
  grpc::ClientContext context;
  ::csi::v1::NodeStageVolumeResponse response;
  grpc::Status status = stub->NodeStageVolume(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  std::string out = Output();
  EXPECT_EQ(out.find(kPlanted), std::string::npos) << out;
  EXPECT_NE(out.find("method=/csi.v1.Node/NodeStageVolume"), std::string::npos) << out;
  EXPECT_NE(out.find("volume=vol-42"), std::string::npos) << out;
  EXPECT_NE(out.find("code=FAILED_PRECONDITION"), std::string::npos) << out;
  EXPECT_NE(out.find("duration="), std::string::npos) << out;
  EXPECT_NE(out.find("\"device holds data\""), std::string::npos) << out;
  EXPECT_NE(out.find("staging_target_path"), std::string::npos) << out;  // request logged
}

TEST_F(RpcInterceptorTest, JsonLogsAlsoCarryNoSecret) {
  log::Configure(log::Format::kJson, 10);
  auto stub = ::csi::v1::Node::NewStub(channel_);
  ::csi::v1::NodeStageVolumeRequest request;
  request.set_volume_id("vol-43");
  (*request.mutable_secrets())["application-credential-secret"] = kPlanted;
  grpc::ClientContext context;
  ::csi::v1::NodeStageVolumeResponse response;
  stub->NodeStageVolume(&context, request, &response);
  std::string out = Output();
  EXPECT_EQ(out.find(kPlanted), std::string::npos) << out;
  EXPECT_NE(out.find("\"volume\":\"vol-43\""), std::string::npos) << out;
}

TEST_F(RpcInterceptorTest, ProbeIsQuietAtDefaultVerbosity) {
  log::Configure(log::Format::kText, 0);
  auto stub = ::csi::v1::Identity::NewStub(channel_);
  grpc::ClientContext context;
  ::csi::v1::ProbeRequest request;
  ::csi::v1::ProbeResponse response;
  ASSERT_TRUE(stub->Probe(&context, request, &response).ok());
  EXPECT_EQ(Output().find("Probe"), std::string::npos) << Output();
}

}  // namespace
}  // namespace byok::csi
