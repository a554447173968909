#include "openstack/nova.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/rest_nova.h"
#include "openstack/testing/fake_http.h"
#include "openstack/testing/fake_token_provider.h"
#include "openstack/testing/test_clients.h"

namespace byok::openstack {
namespace {

using testing::FakeHttpClient;

TEST(NovaJsonTest, ParsesServer) {
  Server s = nova::ParseServer(nlohmann::json::parse(R"({
      "id": "srv-1", "name": "node-1", "status": "ERROR",
      "OS-EXT-AZ:availability_zone": "az-2", "OS-EXT-STS:task_state": null,
      "OS-EXT-STS:vm_state": "error",
      "fault": {"code": 500, "message": "No valid host was found.", "created": "t"}})"));
  EXPECT_EQ(s.id, "srv-1");
  EXPECT_EQ(s.status, "ERROR");
  EXPECT_EQ(s.availability_zone, "az-2");
  EXPECT_EQ(s.task_state, "");
  EXPECT_EQ(s.vm_state, "error");
  EXPECT_EQ(s.fault_message, "No valid host was found.");
}

TEST(NovaJsonTest, ParsesAttachmentsOfBothMicroversions) {
  ServerVolumeAttachment old = nova::ParseVolumeAttachment(nlohmann::json::parse(
      R"({"id": "v1", "serverId": "s", "volumeId": "v1", "device": "/dev/vdb"})"));
  EXPECT_EQ(old.id, "v1");
  EXPECT_EQ(old.volume_id, "v1");
  EXPECT_EQ(old.device, "/dev/vdb");
  ServerVolumeAttachment v289 = nova::ParseVolumeAttachment(nlohmann::json::parse(
      R"({"attachment_id": "a1", "bdm_uuid": "b", "serverId": "s", "volumeId": "v1",
          "device": "/dev/vdc", "tag": null, "delete_on_termination": false})"));
  EXPECT_EQ(v289.attachment_id, "a1");
  EXPECT_EQ(v289.id, "");
}

class RestNovaTest : public ::testing::Test {
 protected:
  RestNovaTest()
      : tokens_(testing::FakeTokenProvider::Endpoints{{kServiceCompute, "http://nova:8774/v2.1"}}),
        auth_(&tokens_, &http_) {
    client_ = *RestNovaClient::Create(&auth_);
    test_client_ = *testing::NovaTestClient::Create(&auth_);
  }
  FakeHttpClient http_;
  testing::FakeTokenProvider tokens_;
  AuthenticatedClient auth_;
  std::unique_ptr<RestNovaClient> client_;
  // The calls only tests make, on the same transport.
  std::unique_ptr<testing::NovaTestClient> test_client_;
};

TEST_F(RestNovaTest, AttachSendsBothVersionHeaders) {
  http_.On(
      HttpMethod::kPost, "/os-volume_attachments",
      {200,
       R"({"volumeAttachment": {"id": "v1", "serverId": "s1", "volumeId": "v1", "device": "/dev/vdb"}})"});
  auto a = client_->AttachVolume({}, "s1", "v1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->device, "/dev/vdb");
  FakeHttpClient::Recorded r = http_.Request(0);
  EXPECT_EQ(r.url, "http://nova:8774/v2.1/servers/s1/os-volume_attachments");
  EXPECT_EQ(r.Header("X-OpenStack-Nova-API-Version"), "2.60");
  EXPECT_EQ(r.Header("OpenStack-API-Version"), "compute 2.60");
  EXPECT_EQ(nlohmann::json::parse(r.body.view()),
            nlohmann::json::parse(R"({"volumeAttachment": {"volumeId": "v1"}})"));
  EXPECT_FALSE(r.idempotent);
}

TEST_F(RestNovaTest, DetachGetListAndErrors) {
  http_.On(HttpMethod::kDelete, "/os-volume_attachments/v1", {202, ""});
  http_.On(HttpMethod::kGet, "/servers/s1/os-volume_attachments/v1",
           {200, R"({"volumeAttachment": {"id": "v1", "serverId": "s1", "volumeId": "v1"}})"});
  http_.On(HttpMethod::kGet, "/servers/s1/os-volume_attachments",
           {200, R"({"volumeAttachments": [{"id": "v1", "serverId": "s1", "volumeId": "v1"}]})"});
  http_.On(
      HttpMethod::kGet, "/servers/s1",
      {200,
       R"({"server": {"id": "s1", "status": "ACTIVE", "OS-EXT-AZ:availability_zone": "nova"}})"});
  http_.On(HttpMethod::kGet, "/servers/gone",
           {404,
            R"({"itemNotFound": {"code": 404, "message": "Instance gone could not be found."}})",
            {{"x-compute-request-id", "req-n"}}});
  CallOptions o;
  o.microversion = "2.89";
  EXPECT_TRUE(client_->DetachVolume(o, "s1", "v1").ok());
  EXPECT_EQ(http_.Request(0).Header("OpenStack-API-Version"), "compute 2.89");
  EXPECT_EQ(test_client_->GetVolumeAttachment({}, "s1", "v1")->volume_id, "v1");
  EXPECT_EQ(test_client_->ListVolumeAttachments({}, "s1")->size(), 1u);
  EXPECT_EQ(client_->GetServer({}, "s1")->availability_zone, "nova");
  absl::Status s = client_->GetServer({}, "gone").status();
  EXPECT_TRUE(absl::IsNotFound(s));
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("(request-id req-n)"));
}

// Node IDs and volume IDs come from CSI requests: ".." would address another resource.
TEST_F(RestNovaTest, RefusesIdsThatAreNotOnePathSegment) {
  http_.On(HttpMethod::kGet, "/", {200, R"({"server": {"id": "s1"}})"});
  http_.On(HttpMethod::kPost, "/", {200, R"({"volumeAttachment": {"id": "v1"}})"});
  http_.On(HttpMethod::kDelete, "/", {202, ""});
  absl::Status s = client_->GetServer({}, "..").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("server id \"..\""));
  for (const std::string bad : {"", ".", "..", "s1/..", "../s1"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(client_->GetServer({}, bad).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->AttachVolume({}, bad, "v1").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->ListVolumeAttachments({}, bad).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->DetachVolume({}, bad, "v1").code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->DetachVolume({}, "s1", bad).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->GetVolumeAttachment({}, bad, "v1").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->GetVolumeAttachment({}, "s1", bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(http_.RequestCount(), 0u);
}

}  // namespace
}  // namespace byok::openstack
