// CSI spec rules for the Identity service, checked against the real binary over its socket.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>

#include "csi/csi.pb.h"
#include "tests/conformance/plugin_process.h"

namespace byok::testing {
namespace {

using ::csi::v1::PluginCapability;

template <typename Response, typename Request>
grpc::Status Call(const PluginProcess& plugin, std::string_view method, const Request& request,
                  Response* response) {
  return plugin.client().Call(csi::Client::FindMethod(method), request, response,
                              absl::Seconds(10));
}

std::unique_ptr<PluginProcess> StartNode() {
  auto plugin = PluginProcess::Start({"--mode=node", "--node-id=node-1"});
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  return plugin.ok() ? *std::move(plugin) : nullptr;
}

TEST(IdentityConformance, GetPluginInfoNameAndVersion) {
  auto plugin = StartNode();
  ASSERT_NE(plugin, nullptr);
  ::csi::v1::GetPluginInfoResponse response;
  ASSERT_TRUE(Call(*plugin, "GetPluginInfo", ::csi::v1::GetPluginInfoRequest(), &response).ok());
  // Spec: at most 63 characters, domain-name notation, begins and ends with an alphanumeric.
  EXPECT_EQ(response.name(), "byok.cinder.csi.openstack.org");
  EXPECT_LE(response.name().size(), 63u);
  EXPECT_TRUE(std::regex_match(response.name(), std::regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")));
  EXPECT_FALSE(response.vendor_version().empty());
}

TEST(IdentityConformance, NodeModeDoesNotAdvertiseController) {
  auto plugin = StartNode();
  ASSERT_NE(plugin, nullptr);
  ::csi::v1::GetPluginCapabilitiesResponse response;
  ASSERT_TRUE(
      Call(*plugin, "GetPluginCapabilities", ::csi::v1::GetPluginCapabilitiesRequest(), &response)
          .ok());
  for (const auto& cap : response.capabilities()) {
    EXPECT_FALSE(cap.has_service() &&
                 cap.service().type() == PluginCapability::Service::CONTROLLER_SERVICE);
  }
  // A controller RPC on a node-only plugin: the service is not there at all.
  ::csi::v1::ControllerGetCapabilitiesResponse controller;
  EXPECT_EQ(Call(*plugin, "ControllerGetCapabilities",
                 ::csi::v1::ControllerGetCapabilitiesRequest(), &controller)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST(IdentityConformance, ProbeAnswersReadyQuickly) {
  auto plugin = StartNode();
  ASSERT_NE(plugin, nullptr);
  absl::Time start = absl::Now();
  ::csi::v1::ProbeResponse response;
  ASSERT_TRUE(Call(*plugin, "Probe", ::csi::v1::ProbeRequest(), &response).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  ASSERT_TRUE(response.has_ready());
  EXPECT_TRUE(response.ready().value());
}

TEST(IdentityConformance, GrpcHealthServiceIsServing) {
  auto plugin = StartNode();
  ASSERT_NE(plugin, nullptr);
  grpc::GenericStub stub(plugin->client().channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer request;  // HealthCheckRequest{service: ""} encodes to zero bytes.
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) { done.set_value(s); });
  ASSERT_TRUE(done.get_future().get().ok());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

TEST(IdentityConformance, SigtermStopsCleanlyAndRemovesTheSocket) {
  auto plugin = StartNode();
  ASSERT_NE(plugin, nullptr);
  int status = plugin->StopWith(SIGTERM);
  ASSERT_NE(status, -1) << plugin->Log();
  EXPECT_TRUE(WIFEXITED(status)) << plugin->Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << plugin->Log();
  EXPECT_FALSE(std::filesystem::exists(plugin->socket_path()));
  EXPECT_NE(plugin->Log().find("signal received"), std::string::npos) << plugin->Log();
}

TEST(IdentityConformance, RestartsOverTheStaleSocketOfAKilledPlugin) {
  auto first = StartNode();
  ASSERT_NE(first, nullptr);
  std::string socket = first->socket_path();
  ASSERT_NE(first->StopWith(SIGKILL), -1);
  ASSERT_TRUE(std::filesystem::exists(socket));  // SIGKILL leaves the socket file behind.
  auto second = PluginProcess::Start({"--mode=node", "--node-id=node-1"}, absl::Seconds(20));
  ASSERT_TRUE(second.ok()) << second.status();
}

TEST(IdentityConformance, MetricsEndpointCountsRpcs) {
  int port = FreeTcpPort();
  auto plugin = PluginProcess::Start(
      {"--mode=node", "--node-id=node-1", "--metrics-address=127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  ::csi::v1::GetPluginInfoResponse info;
  ASSERT_TRUE(Call(**plugin, "GetPluginInfo", ::csi::v1::GetPluginInfoRequest(), &info).ok());
  std::string metrics = HttpGet(port, "/metrics");
  EXPECT_NE(metrics.find("csi_rpc_total{"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("method=\"/csi.v1.Identity/GetPluginInfo\""), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("csi_rpc_duration_seconds_bucket"), std::string::npos);
}

// Where an unreachable Keystone is reported instead of Probe: the metric and one log line.
TEST(IdentityConformance, AnUnreachableKeystoneShowsInTheMetricAndTheLogNotInProbe) {
  int port = FreeTcpPort();
  auto plugin = PluginProcess::Start(
      {"--mode=controller", "--metrics-address=127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  ::csi::v1::ProbeResponse probe;
  ASSERT_TRUE(Call(**plugin, "Probe", ::csi::v1::ProbeRequest(), &probe).ok());
  EXPECT_TRUE(probe.ready().value());
  const std::string down = "byok_backend_up{backend=\"openstack-identity\"} 0";
  std::string metrics = WaitForMetric(port, down, absl::Seconds(10));
  EXPECT_NE(metrics.find(down), std::string::npos) << metrics;
  for (int i = 0; i < 100 && (*plugin)->Log().find("backend unreachable") == std::string::npos;
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_NE((*plugin)->Log().find("backend unreachable"), std::string::npos) << (*plugin)->Log();
}

TEST(IdentityConformance, BadFlagsFailWithAMessageNamingTheFlag) {
  RunResult result = RunPlugin({"--mode=bogus"}, absl::Seconds(10));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("--mode=bogus"), std::string::npos) << result.output;
  result = RunPlugin({"--log-format=xml"}, absl::Seconds(10));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("--log-format"), std::string::npos) << result.output;
  result = RunPlugin({"--mode=node", "--endpoint=tcp://127.0.0.1:1"}, absl::Seconds(10));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("unix"), std::string::npos) << result.output;
}

TEST(IdentityConformance, CloudConfigErrorsNameTheFileAndTheKey) {
  RunResult result =
      RunPlugin({"--mode=controller", "--cloud-config=/nonexistent/cloud.conf"}, absl::Seconds(10));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("/nonexistent/cloud.conf"), std::string::npos) << result.output;

  std::string dir =
      std::filesystem::temp_directory_path() / ("byok-conf-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string conf = dir + "/cloud.conf";
  std::ofstream(conf) << "[Global]\nusername=csi\npassword=PLANTED-PASSWORD-55\n"
                         "tenant-name=p\ndomain-name=Default\nbogus-key=1\n";
  result = RunPlugin({"--mode=controller", "--cloud-config=" + conf}, absl::Seconds(10));
  std::filesystem::remove_all(dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("auth-url"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("PLANTED-PASSWORD-55"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace byok::testing
