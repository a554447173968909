#include "openstack/keystone.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/authenticated_client.h"
#include "openstack/testing/canned.h"
#include "openstack/testing/fake_http.h"
#include "openstack/testing/fake_token_provider.h"

namespace byok::openstack {
namespace {

using testing::FakeHttpClient;
using ::testing::HasSubstr;
using ::testing::Not;

AuthOptions PasswordByName() {
  AuthOptions a;
  a.auth_url = "http://127.0.0.1:5000/v3";
  a.username = "demo";
  a.user_domain_name = "Default";
  a.password = SecureBytes::FromView("pa\"ss\\word");
  a.project_name = "demo";
  a.project_domain_id = "default";
  a.region = "RegionOne";
  return a;
}

nlohmann::json BodyJson(const SecureBytes& body) { return nlohmann::json::parse(body.view()); }

TEST(KeystoneTest, TokensUrl) {
  EXPECT_EQ(*keystone::TokensUrl("http://k:5000/v3"), "http://k:5000/v3/auth/tokens");
  EXPECT_EQ(*keystone::TokensUrl("http://k:5000/v3/"), "http://k:5000/v3/auth/tokens");
  EXPECT_EQ(*keystone::TokensUrl("https://k/identity"), "https://k/identity/v3/auth/tokens");
  EXPECT_EQ(keystone::TokensUrl("http://k:5000/v2.0").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(keystone::TokensUrl("").ok());
}

TEST(KeystoneTest, PasswordBodyByNames) {
  absl::StatusOr<SecureBytes> body = keystone::AuthRequestBody(PasswordByName());
  ASSERT_TRUE(body.ok());
  nlohmann::json j = BodyJson(*body);
  EXPECT_EQ(j["auth"]["identity"]["methods"], nlohmann::json({"password"}));
  const nlohmann::json& user = j["auth"]["identity"]["password"]["user"];
  EXPECT_EQ(user["name"], "demo");
  EXPECT_EQ(user["domain"]["name"], "Default");
  EXPECT_EQ(user["password"], "pa\"ss\\word");  // escaped correctly, parsed back intact
  const nlohmann::json& project = j["auth"]["scope"]["project"];
  EXPECT_EQ(project["name"], "demo");
  EXPECT_EQ(project["domain"]["id"], "default");
}

TEST(KeystoneTest, PasswordBodyByIds) {
  AuthOptions a;
  a.auth_url = "x";
  a.user_id = "u-1";
  a.password = SecureBytes::FromView("p");
  a.project_id = "p-1";
  nlohmann::json j = BodyJson(*keystone::AuthRequestBody(a));
  EXPECT_EQ(j["auth"]["identity"]["password"]["user"],
            (nlohmann::json{{"id", "u-1"}, {"password", "p"}}));
  EXPECT_EQ(j["auth"]["scope"]["project"], (nlohmann::json{{"id", "p-1"}}));
}

TEST(KeystoneTest, ApplicationCredentialBodiesHaveNoScope) {
  AuthOptions a;
  a.auth_url = "x";
  a.application_credential_id = "ac-1";
  a.application_credential_secret = SecureBytes::FromView("s3cr3t");
  a.project_name = "ignored";  // a scope would make Keystone answer 401
  nlohmann::json j = BodyJson(*keystone::AuthRequestBody(a));
  EXPECT_EQ(j["auth"]["identity"]["methods"], nlohmann::json({"application_credential"}));
  EXPECT_EQ(j["auth"]["identity"]["application_credential"],
            (nlohmann::json{{"id", "ac-1"}, {"secret", "s3cr3t"}}));
  EXPECT_FALSE(j["auth"].contains("scope"));

  AuthOptions b;
  b.auth_url = "x";
  b.application_credential_name = "csi";
  b.username = "demo";
  b.user_domain_id = "default";
  b.application_credential_secret = SecureBytes::FromView("s");
  j = BodyJson(*keystone::AuthRequestBody(b));
  EXPECT_EQ(j["auth"]["identity"]["application_credential"]["name"], "csi");
  EXPECT_EQ(j["auth"]["identity"]["application_credential"]["user"],
            (nlohmann::json{{"name", "demo"}, {"domain", {{"id", "default"}}}}));
}

TEST(KeystoneTest, ParsesTimestamps) {
  absl::Time t = *keystone::ParseTimestamp("2016-09-14T14:01:13.000000Z");
  EXPECT_EQ(absl::ToUnixSeconds(t), 1473861673);
  EXPECT_EQ(*keystone::ParseTimestamp("2016-09-14T14:01:13Z"), t);
  EXPECT_EQ(*keystone::ParseTimestamp("2016-09-14T14:01:13.000000+00:00"), t);
  EXPECT_EQ(*keystone::ParseTimestamp("2016-09-14T14:01:13"), t);
  EXPECT_FALSE(keystone::ParseTimestamp("yesterday").ok());
  // expires_at comes from a response: the error quotes only a short printable prefix of it.
  absl::Status s = keystone::ParseTimestamp(std::string(10000, '9') + "\n").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 300u) << s.message().substr(0, 300);
  EXPECT_EQ(s.message().find('\n'), absl::string_view::npos);
}

HttpResponse TokenResponse(std::string_view token = "tok-1",
                           std::string_view body = testing::kKeystoneTokenBody) {
  HttpResponse r;
  r.status = 201;
  r.body = SecureBytes::FromView(body);
  r.subject_token = SecureBytes::FromView(token);
  return r;
}

TEST(KeystoneTest, ParsesTokenResponseWithCatalog) {
  AuthOptions a = PasswordByName();
  a.endpoint_overrides[kServiceKeyManager] = "https://barbican.override";
  absl::Time sent = absl::FromUnixSeconds(5000);  // our clock, far from Keystone's
  absl::StatusOr<AuthSession> s =
      keystone::ParseTokenResponse(TokenResponse(), a, sent, absl::Seconds(120));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->token.view(), "tok-1");
  EXPECT_EQ(s->user_id, "u-1");
  EXPECT_EQ(s->project_id, "p-1");
  EXPECT_EQ(s->project_name, "demo");
  EXPECT_THAT(s->roles, ::testing::ElementsAre("reader", "member"));
  // Lifetime 1 h measured on Keystone's clock, applied to ours.
  EXPECT_EQ(s->local_expiry, sent + absl::Hours(1));
  EXPECT_EQ(s->refresh_at, sent + absl::Hours(1) - absl::Seconds(120));
  EXPECT_EQ(*s->Endpoint(kServiceBlockStorage), "http://127.0.0.1:8776/v3/p-1");
  EXPECT_EQ(*s->Endpoint(kServiceKeyManager), "https://barbican.override");
}

TEST(KeystoneTest, ShortTokensRefreshHalfway) {
  std::string body = testing::kKeystoneTokenBody;
  body.replace(body.find("13:00:00"), 8, "12:01:00");  // a 60 s token (LAB_TOKEN_EXPIRATION=60)
  absl::Time sent = absl::FromUnixSeconds(5000);
  absl::StatusOr<AuthSession> s = keystone::ParseTokenResponse(
      TokenResponse("t", body), PasswordByName(), sent, absl::Seconds(120));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->refresh_at, sent + absl::Seconds(30));
}

TEST(KeystoneTest, TokenResponseWithoutSubjectTokenFails) {
  EXPECT_EQ(keystone::ParseTokenResponse(TokenResponse(""), PasswordByName(), absl::Now(),
                                         absl::Seconds(120))
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

class ProviderTest : public ::testing::Test {
 protected:
  ProviderTest() {
    http_.On(HttpMethod::kPost, "/v3/auth/tokens", {201, testing::kKeystoneTokenBody, {}, "tok"});
  }
  KeystoneTokenProvider::Options Opts() {
    KeystoneTokenProvider::Options o;
    o.now = [this] { return now_; };
    return o;
  }
  absl::Time now_ = absl::FromUnixSeconds(100000);
  FakeHttpClient http_;
};

TEST_F(ProviderTest, CachesAndRefreshesBeforeExpiry) {
  KeystoneTokenProvider p(PasswordByName(), &http_, Opts());
  auto s1 = p.GetSession(absl::InfiniteFuture());
  ASSERT_TRUE(s1.ok()) << s1.status();
  auto s2 = p.GetSession(absl::InfiniteFuture());
  EXPECT_EQ(s1->get(), s2->get());
  EXPECT_EQ(p.auth_calls(), 1);
  FakeHttpClient::Recorded r = http_.Request(0);
  EXPECT_EQ(r.url, "http://127.0.0.1:5000/v3/auth/tokens");
  EXPECT_TRUE(r.idempotent);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.service, "keystone");

  now_ += absl::Hours(1) - absl::Seconds(121);
  EXPECT_EQ(p.GetSession(absl::InfiniteFuture())->get(), s1->get());
  EXPECT_EQ(p.auth_calls(), 1);
  now_ += absl::Seconds(2);  // inside the 120 s margin
  auto s3 = p.GetSession(absl::InfiniteFuture());
  ASSERT_TRUE(s3.ok());
  EXPECT_NE(s3->get(), s1->get());
  EXPECT_EQ(p.auth_calls(), 2);
}

TEST_F(ProviderTest, InvalidateForcesOneReauthentication) {
  KeystoneTokenProvider p(PasswordByName(), &http_, Opts());
  auto s1 = *p.GetSession(absl::InfiniteFuture());
  p.Invalidate(s1.get());
  auto s2 = *p.GetSession(absl::InfiniteFuture());
  EXPECT_NE(s1.get(), s2.get());
  EXPECT_EQ(p.auth_calls(), 2);
  // A late 401 for the old token must not throw away the new one.
  p.Invalidate(s1.get());
  EXPECT_EQ(p.GetSession(absl::InfiniteFuture())->get(), s2.get());
  EXPECT_EQ(p.auth_calls(), 2);
}

TEST_F(ProviderTest, RejectedCredentialsAreUnauthenticatedAndRedacted) {
  http_.Clear();
  // A (hypothetical) Keystone message echoing the password must not leak it.
  http_.On(HttpMethod::kPost, "/v3/auth/tokens",
           {401,
            R"({"error":{"code":401,"title":"Unauthorized","message":"bad pa\"ss\\word"}})",
            {{"x-openstack-request-id", "req-k"}}});
  KeystoneTokenProvider p(PasswordByName(), &http_, Opts());
  auto s = p.GetSession(absl::InfiniteFuture());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated);
  std::string m(s.status().message());
  EXPECT_THAT(m, HasSubstr("keystone: authenticate user demo@Default project demo@default"));
  EXPECT_THAT(m, HasSubstr("req-k"));
  EXPECT_THAT(m, Not(HasSubstr("ss\\word")));
  EXPECT_THAT(m, HasSubstr("<redacted>"));
}

TEST_F(ProviderTest, FailedRefreshKeepsTheValidToken) {
  KeystoneTokenProvider p(PasswordByName(), &http_, Opts());
  auto s1 = *p.GetSession(absl::InfiniteFuture());
  http_.Clear();
  http_.OnFailure(HttpMethod::kPost, "/v3/auth/tokens", TransportFailure::kNotSent);
  now_ += absl::Hours(1) - absl::Seconds(60);  // refresh due, token still valid
  auto s2 = p.GetSession(absl::InfiniteFuture());
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->get(), s1.get());
  EXPECT_EQ(p.auth_calls(), 2);
  // Paused: no new attempt within failed_refresh_pause.
  now_ += absl::Seconds(1);
  EXPECT_TRUE(p.GetSession(absl::InfiniteFuture()).ok());
  EXPECT_EQ(p.auth_calls(), 2);
  // Expired: the error surfaces.
  now_ += absl::Seconds(120);
  auto s3 = p.GetSession(absl::InfiniteFuture());
  EXPECT_EQ(s3.status().code(), absl::StatusCode::kUnavailable);
}

// Delays every request so concurrent callers overlap.
class SlowHttp : public HttpClient {
 public:
  explicit SlowHttp(HttpClient* inner) : inner_(inner) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& r) override {
    absl::SleepFor(absl::Milliseconds(100));
    return inner_->Send(r);
  }

 private:
  HttpClient* inner_;
};

TEST_F(ProviderTest, OneAuthenticationInFlight) {
  SlowHttp slow(&http_);
  KeystoneTokenProvider p(PasswordByName(), &slow);  // real clock
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (p.GetSession(absl::Now() + absl::Seconds(10)).ok()) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(p.auth_calls(), 1);
}

TEST(AuthenticatedClientTest, ReauthenticatesOnceOn401) {
  testing::FakeTokenProvider tokens;
  FakeHttpClient http;
  http.On(HttpMethod::kGet, "/volumes", {401, ""}, 1);
  http.On(HttpMethod::kGet, "/volumes", {200, "{}"});
  AuthenticatedClient client(&tokens, &http);
  HttpRequest r;
  r.url = "http://c/v3/p/volumes";
  absl::StatusOr<HttpResponse> resp = client.Send(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(http.Request(0).auth_token.view(), "fake-token-1");
  EXPECT_EQ(http.Request(1).auth_token.view(), "fake-token-2");
  EXPECT_EQ(tokens.invalidations(), 1);
}

TEST(AuthenticatedClientTest, SecondRejectionIsReturned) {
  testing::FakeTokenProvider tokens;
  FakeHttpClient http;
  http.On(HttpMethod::kGet, "/volumes", {401, ""});
  AuthenticatedClient client(&tokens, &http);
  HttpRequest r;
  r.url = "http://c/v3/p/volumes";
  absl::StatusOr<HttpResponse> resp = client.Send(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 401);
  EXPECT_EQ(http.RequestCount(), 2u);
  EXPECT_EQ(tokens.auth_calls(), 2);
}

TEST(AuthenticatedClientTest, AuthFailureIsReturned) {
  testing::FakeTokenProvider tokens;
  tokens.FailNext(absl::UnauthenticatedError("keystone: no"));
  FakeHttpClient http;
  AuthenticatedClient client(&tokens, &http);
  HttpRequest r;
  r.url = "http://c/x";
  EXPECT_EQ(client.Send(r).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(http.RequestCount(), 0u);
}

}  // namespace
}  // namespace byok::openstack
