#include "openstack/barbican.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/rest_barbican.h"
#include "openstack/testing/fake_http.h"
#include "openstack/testing/fake_token_provider.h"
#include "openstack/testing/test_api.h"
#include "openstack/testing/test_clients.h"

namespace byok::openstack {
namespace {

using testing::FakeHttpClient;
using ::testing::HasSubstr;

constexpr char kId[] = "a1b2c3d4-0000-4000-8000-00000000beef";

TEST(BarbicanJsonTest, ParsesSecretRefs) {
  EXPECT_EQ(*barbican::ParseSecretRef(kId), kId);
  EXPECT_EQ(*barbican::ParseSecretRef("A1B2C3D4-0000-4000-8000-00000000BEEF"), kId);
  EXPECT_EQ(*barbican::ParseSecretRef(std::string("https://kms.example:9311/v1/secrets/") + kId),
            kId);
  EXPECT_EQ(*barbican::ParseSecretRef(std::string("http://h/key-manager/v1/secrets/") + kId + "/"),
            kId);
  for (const char* bad :
       {"", "not-a-uuid", "http://h/v1/orders/a1b2c3d4-0000-4000-8000-00000000beef",
        "http://h/v1/secrets/../../etc", "a1b2c3d4-0000-4000-8000-00000000beefX"}) {
    absl::StatusOr<std::string> id = barbican::ParseSecretRef(bad);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// A key reference comes from a tenant's Secret: the error quotes only a short printable prefix.
TEST(BarbicanJsonTest, BadSecretRefIsNotEchoedInFull) {
  const std::string ref = "http://h/v1/secrets/" + std::string(10000, 'x') + "\x01\n";
  absl::Status s = barbican::ParseSecretRef(ref).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 300u) << s.message().substr(0, 300);
  EXPECT_EQ(s.message().find('\x01'), absl::string_view::npos);
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"http://h/v1/secrets/xxx"));
}

TEST(BarbicanJsonTest, ParsesMetadata) {
  SecretMetadata m = barbican::ParseSecretMetadata(nlohmann::json::parse(R"({
      "status": "ACTIVE", "created": "2024-05-01T12:00:00", "updated": "2024-05-01T12:00:00",
      "expiration": null, "algorithm": "aes", "bit_length": 256, "mode": null,
      "name": "byok-key", "secret_ref": "http://127.0.0.1:9311/v1/secrets/a1b2c3d4-0000-4000-8000-00000000beef",
      "secret_type": "symmetric", "creator_id": "u-1",
      "content_types": {"default": "application/octet-stream"}})"));
  EXPECT_EQ(m.id, kId);
  EXPECT_EQ(m.status, "ACTIVE");
  EXPECT_EQ(m.algorithm, "aes");
  EXPECT_EQ(m.bit_length, 256);
  EXPECT_EQ(m.mode, "");
  EXPECT_EQ(m.expiration, "");
  EXPECT_EQ(m.secret_type, "symmetric");
  EXPECT_EQ(m.DefaultContentType(), "application/octet-stream");
}

TEST(BarbicanJsonTest, StoreBodyIsBinaryBase64) {
  EXPECT_EQ(barbican::Base64("").view(), "");
  EXPECT_EQ(barbican::Base64("f").view(), "Zg==");
  EXPECT_EQ(barbican::Base64("foobar").view(), "Zm9vYmFy");
  StoreSecretRequest r;
  r.name = "k";
  r.payload = SecureBytes::FromView(std::string_view("\x00\xff\x10", 3));
  nlohmann::json j = nlohmann::json::parse(barbican::StoreSecretBody(r).view());
  EXPECT_EQ(j["payload"], "AP8Q");
  EXPECT_EQ(j["payload_content_type"], "application/octet-stream");
  EXPECT_EQ(j["payload_content_encoding"], "base64");
  EXPECT_EQ(j["secret_type"], "symmetric");
  EXPECT_EQ(j["algorithm"], "aes");
  EXPECT_EQ(j["bit_length"], 256);
  EXPECT_EQ(j["name"], "k");
  EXPECT_FALSE(j.contains("mode"));
}

class RestBarbicanTest : public ::testing::Test {
 protected:
  RestBarbicanTest()
      : tokens_(
            testing::FakeTokenProvider::Endpoints{{kServiceKeyManager, "http://barbican:9311"}}),
        auth_(&tokens_, &http_),
        client_(&auth_),
        test_client_(&auth_) {}
  FakeHttpClient http_;
  testing::FakeTokenProvider tokens_;
  AuthenticatedClient auth_;
  RestBarbicanClient client_;
  // The calls only tests make, on the same transport.
  testing::BarbicanTestClient test_client_;
};

TEST_F(RestBarbicanTest, PayloadIsOctetStreamIntoSecureBytes) {
  http_.On(HttpMethod::kGet, "/payload", {200, std::string("\x01\x02\x00\xfe", 4)});
  // A full href of another host: only its UUID is used, against our Barbican.
  absl::StatusOr<SecureBytes> key =
      client_.GetPayload({}, std::string("https://evil.example/v1/secrets/") + kId);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->view(), std::string_view("\x01\x02\x00\xfe", 4));
  FakeHttpClient::Recorded r = http_.Request(0);
  EXPECT_EQ(r.url, std::string("http://barbican:9311/v1/secrets/") + kId + "/payload");
  EXPECT_EQ(r.Header("Accept"), "application/octet-stream");
}

TEST_F(RestBarbicanTest, NotFoundAndForbiddenAreExplained) {
  http_.On(HttpMethod::kGet, "/payload",
           {404, R"({"code": 404, "title": "Not Found", "description": "Secret not found."})"}, 1);
  http_.On(
      HttpMethod::kGet, "/payload",
      {403,
       R"({"code": 403, "title": "Forbidden", "description": "Secret payload retrieval attempt not allowed - please review your user/project privileges"})"});
  absl::Status s = client_.GetPayload({}, kId).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("missing or expired"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("Secret not found."));
  s = client_.GetPayload({}, kId).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(s.message()), HasSubstr("not allowed to read secret"));
  EXPECT_EQ(client_.GetPayload({}, "bogus").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.RequestCount(), 2u);
}

TEST_F(RestBarbicanTest, StoreReturnsUuidAndEndpointMayEndInV1) {
  testing::FakeTokenProvider tokens(
      testing::FakeTokenProvider::Endpoints{{kServiceKeyManager, "http://barbican:9311/v1/"}});
  AuthenticatedClient auth(&tokens, &http_);
  testing::BarbicanTestClient client(&auth);
  http_.On(HttpMethod::kPost, "/v1/secrets",
           {201, std::string(R"({"secret_ref": "http://barbican:9311/v1/secrets/)") + kId + "\"}"});
  StoreSecretRequest r;
  r.payload = SecureBytes::FromView("0123456789abcdef0123456789abcdef");
  absl::StatusOr<std::string> id = client.StoreSecret({}, r);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, kId);
  EXPECT_EQ(http_.Request(0).url, "http://barbican:9311/v1/secrets");
  EXPECT_FALSE(http_.Request(0).idempotent);
  StoreSecretRequest empty;
  EXPECT_EQ(client.StoreSecret({}, empty).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RestBarbicanTest, ConsumersUseMicroversion11) {
  http_.On(HttpMethod::kPost, "/consumers", {200, "{}"});
  http_.On(
      HttpMethod::kGet, "/consumers",
      {200,
       R"({"consumers": [{"service": "volume", "resource_type": "volume", "resource_id": "v1"}], "total": 1})"});
  SecretConsumer c{"volume", "volume", "v1"};
  ASSERT_TRUE(client_.RegisterConsumer({}, kId, c).ok());
  FakeHttpClient::Recorded r = http_.Request(0);
  EXPECT_EQ(r.Header("OpenStack-API-Version"), "key-manager 1.1");
  EXPECT_EQ(nlohmann::json::parse(r.body.view()),
            nlohmann::json::parse(
                R"({"service": "volume", "resource_type": "volume", "resource_id": "v1"})"));
  auto list = test_client_.ListConsumers({}, kId);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->at(0), c);
}

TEST_F(RestBarbicanTest, MissingConsumersApiIsUnimplemented) {
  http_.On(HttpMethod::kPost, "/consumers",
           {404, R"({"code": 404, "title": "Not Found", "description": "x"})"});
  http_.On(HttpMethod::kDelete, "/consumers", {405, ""});
  http_.On(HttpMethod::kGet, std::string("/secrets/") + kId,
           {200, std::string(R"({"status": "ACTIVE", "secret_ref": "http://b/v1/secrets/)") + kId +
                     "\"}"});
  SecretConsumer c{"volume", "volume", "v1"};
  EXPECT_EQ(client_.RegisterConsumer({}, kId, c).code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(client_.UnregisterConsumer({}, kId, c).code(), absl::StatusCode::kUnimplemented);
}

TEST_F(RestBarbicanTest, ConsumerOnMissingSecretIsNotFound) {
  http_.On(HttpMethod::kPost, "/consumers", {404, ""});
  http_.On(HttpMethod::kGet, "/secrets/", {404, ""});
  EXPECT_EQ(client_.RegisterConsumer({}, kId, {"volume", "volume", "v1"}).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace byok::openstack
