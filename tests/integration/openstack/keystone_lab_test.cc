// Keystone against the real lab: password and application-credential tokens, the catalog,
// refresh and the one-retry-on-401 path.
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/absl_compat.h"
#include "openstack/cloud_config.h"
#include "openstack/url.h"
#include "tests/integration/driver_lab/lab_driver.h"
#include "tests/integration/openstack/lab_env.h"

namespace byok::openstack::lab {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(KeystoneLabTest, PasswordToken) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok()) << cloud.status();
  auto s = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE((*s)->token.empty());
  EXPECT_EQ((*s)->project_id, Var("DEMO_PROJECT_ID"));
  EXPECT_THAT((*s)->roles, Contains("member"));
  EXPECT_GT((*s)->local_expiry, absl::Now());
  EXPECT_EQ((*cloud)->tokens->auth_calls(), 1);
  // Cached: a second session costs no Keystone call.
  ASSERT_TRUE((*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30)).ok());
  EXPECT_EQ((*cloud)->tokens->auth_calls(), 1);
  EXPECT_EQ((*cloud)->stats->Total("keystone").requests, 1);
}

TEST(KeystoneLabTest, ApplicationCredentialToken) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoAppCredential());
  ASSERT_TRUE(cloud.ok()) << cloud.status();
  auto s = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(s.ok()) << s.status();
  // Scoped to the credential's project without asking for a scope.
  EXPECT_EQ((*s)->project_id, Var("DEMO_PROJECT_ID"));
  // And it works against a service.
  EXPECT_TRUE((*cloud)->cinder->GetLimits(Deadline()).ok());
}

TEST(KeystoneLabTest, CloudConfFilesOfTheLabAuthenticate) {
  BYOK_REQUIRE_LAB();
  for (const char* var : {"CLOUD_CONF", "CLOUD_APPCRED_CONF"}) {
    std::string path = Var(var);
    if (path.empty()) continue;
    std::vector<std::string> warnings;
    absl::StatusOr<CloudConfig> config = LoadCloudConfigFile(path, &warnings);
    ASSERT_TRUE(config.ok()) << config.status();
    // The lab's Keystone is plain http: that, and nothing else, is warned about.
    ASSERT_EQ(warnings.size(), 1u) << path;
    EXPECT_THAT(warnings[0], HasSubstr("plain http"));
    auto cloud = Connect(config->global.Clone());
    ASSERT_TRUE(cloud.ok());
    auto s = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
    ASSERT_TRUE(s.ok()) << path << ": " << s.status();
    EXPECT_EQ((*s)->project_id, Var("DEMO_PROJECT_ID")) << path;
  }
}

TEST(KeystoneLabTest, WrongPasswordIsUnauthenticatedAndNotEchoed) {
  BYOK_REQUIRE_LAB();
  AuthOptions bad = DemoPassword();
  bad.password = SecureBytes::FromView("wrong-password-4711");
  auto cloud = Connect(std::move(bad));
  ASSERT_TRUE(cloud.ok());
  auto s = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("HTTP 401"));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("wrong-password-4711")));
  // A 401 is not retried by the transport.
  EXPECT_EQ((*cloud)->stats->Total("keystone").attempts, 1);

  AuthOptions bad_cred = DemoAppCredential();
  bad_cred.application_credential_secret = SecureBytes::FromView("nope");
  auto cloud2 = Connect(std::move(bad_cred));
  EXPECT_EQ((*cloud2)->tokens->GetSession(absl::Now() + absl::Seconds(30)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(KeystoneLabTest, CatalogSelection) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  auto s = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(s.ok()) << s.status();
  const AuthSession& session = **s;
  absl::StatusOr<std::string> cinder = session.Endpoint(kServiceBlockStorage);
  ASSERT_TRUE(cinder.ok()) << cinder.status();
  EXPECT_THAT(*cinder, HasSubstr(Var("DEMO_PROJECT_ID")));
  absl::StatusOr<std::string> barbican = session.Endpoint(kServiceKeyManager);
  ASSERT_TRUE(barbican.ok()) << barbican.status();
  if (!Var("BARBICAN_URL").empty()) {
    EXPECT_EQ(UrlOrigin(*barbican), UrlOrigin(Var("BARBICAN_URL")));
  }
  EXPECT_TRUE(session.Endpoint(kServiceIdentity).ok());
  if (Var("NOVA") == "1") {
    EXPECT_TRUE(session.Endpoint(kServiceCompute).ok());
  }
  // The lab registers public endpoints only, in one region. A missing endpoint is
  // FailedPrecondition: NotFound would read as "the volume is gone" to a delete.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      session.catalog.EndpointFor(kServiceBlockStorage, "public", "NoSuchRegion").status()));
  EXPECT_TRUE(
      absl::IsFailedPrecondition(session.catalog.EndpointFor("image", "public", "").status()));

  // A configured override wins over the catalog.
  AuthOptions with_override = DemoPassword();
  with_override.endpoint_overrides[kServiceKeyManager] = "http://127.0.0.1:1/override";
  auto overridden = Connect(std::move(with_override));
  auto s2 = (*overridden)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(*(*s2)->Endpoint(kServiceKeyManager), "http://127.0.0.1:1/override");
}

TEST(KeystoneLabTest, TokenRefresh) {
  BYOK_REQUIRE_LAB();
  int64_t lifetime = 0;
  (void)ParseInt(Var("TOKEN_EXPIRATION"), &lifetime);
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  auto first = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(first.ok()) << first.status();
  if (lifetime > 0 && lifetime <= 180) {
    // A short Keystone lifetime (LAB_TOKEN_EXPIRATION): wait past the refresh point and
    // check that a service call transparently uses a new token.
    absl::Duration wait = (*first)->refresh_at - absl::Now() + absl::Seconds(1);
    absl::SleepFor(wait);
    ASSERT_TRUE((*cloud)->cinder->GetLimits(Deadline()).ok());
    EXPECT_EQ((*cloud)->tokens->auth_calls(), 2);
  } else {
    // Otherwise force it: Invalidate drops the token, the next call authenticates again.
    (*cloud)->tokens->Invalidate(first->get());
    ASSERT_TRUE((*cloud)->cinder->GetLimits(Deadline()).ok());
    EXPECT_EQ((*cloud)->tokens->auth_calls(), 2);
  }
  auto second = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE((*second)->token.ConstantTimeEquals((*first)->token));
}

TEST(KeystoneLabTest, ExpiredTokenIsReplacedAfterOne401) {
  BYOK_REQUIRE_LAB();
  int64_t lifetime = 0;
  (void)ParseInt(Var("TOKEN_EXPIRATION"), &lifetime);
  // A lab with long-lived tokens: restart its Keystone with a 15-second lifetime for this
  // test (tests/lab/svc.sh), and back afterwards.
  struct KeystoneRestorer {
    bool armed = false;
    ~KeystoneRestorer() {
      if (armed) {
        EXPECT_TRUE(::byok::testing::lab::LabService("restart", "keystone").ok());
      }
    }
  } restore;
  if (lifetime <= 0 || lifetime > 90) {
    const std::string etc = StrCat(Var("STATE_DIR"), "/etc/keystone");
    if (Var("STATE_DIR").empty() || !std::ifstream(etc + "/keystone.conf").good()) {
      GTEST_SKIP() << "needs LAB_TOKEN_EXPIRATION <= 90 or the lab's state dir (have " << lifetime
                   << ")";
    }
    std::ofstream(etc + "/short-token-401.conf") << "[token]\nexpiration = 15\n";
    ASSERT_TRUE(
        ::byok::testing::lab::LabService("restart", "keystone",
                                         {StrCat("OS_KEYSTONE_CONFIG_FILES=", etc,
                                                 "/keystone.conf;", etc, "/short-token-401.conf")})
            .ok());
    restore.armed = true;
    lifetime = 15;
  }
  // A frozen clock makes the provider keep its token past Keystone's expiry, as a
  // suspended process or a wrong clock would; the services then answer 401.
  KeystoneTokenProvider::Options frozen;
  const absl::Time t0 = absl::Now();
  frozen.now = [t0] { return t0; };
  auto cloud = Connect(DemoPassword(), frozen);
  ASSERT_TRUE(cloud.ok());
  ASSERT_TRUE((*cloud)->cinder->GetLimits(Deadline()).ok());
  absl::SleepFor(absl::Seconds(lifetime + 3));
  absl::StatusOr<Limits> limits = (*cloud)->cinder->GetLimits(Deadline());
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_EQ((*cloud)->tokens->auth_calls(), 2);
  EXPECT_EQ((*cloud)->stats->Total("cinder").by_status[401], 1);
}

TEST(KeystoneLabTest, RevokedTokenIsReplacedAfterOne401) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  auto session = (*cloud)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(session.ok());
  // Revoke the cached token with another token of the same user (DELETE /v3/auth/tokens).
  auto other = Connect(DemoPassword());
  auto other_session = (*other)->tokens->GetSession(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(other_session.ok());
  HttpRequest revoke;
  revoke.method = HttpMethod::kDelete;
  revoke.url = StrCat(OsVar("AUTH_URL"), "/auth/tokens");
  revoke.service = "keystone";
  revoke.deadline = absl::Now() + absl::Seconds(30);
  revoke.auth_token = (*other_session)->token.Clone();
  revoke.SetHeader("X-Subject-Token", (*session)->token.view());  // test-only plain copy
  absl::StatusOr<HttpResponse> revoked = (*other)->http->Send(revoke);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  ASSERT_EQ(revoked->status, 204);

  // Barbican has never seen this token, so it cannot be in its validation cache: it
  // answers 401, and the client re-authenticates once and repeats the request.
  absl::StatusOr<SecretMetadata> probe =
      (*cloud)->barbican->GetSecret(Deadline(), "00000000-0000-4000-8000-000000000000");
  EXPECT_TRUE(absl::IsNotFound(probe.status())) << probe.status();
  EXPECT_EQ((*cloud)->tokens->auth_calls(), 2);
  HttpStats::Counts b = (*cloud)->stats->Total("barbican");
  EXPECT_EQ(b.requests, 2);  // the rejected one and the repeat
  EXPECT_EQ(b.by_status[401], 1);
}

}  // namespace
}  // namespace byok::openstack::lab
