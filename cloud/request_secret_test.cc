#include "cloud/request_secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace byok::cloud {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "0b1e3c5a-8f2d-4e6b-9a7c-1d2e3f4a5b6c";

TEST(RequestSecretTest, KeyIdIsTheUuidOfAUuidOrAnHref) {
  auto s = ParseRequestSecret({{"keyID", kKey}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key_id, kKey);
  EXPECT_FALSE(s->credential.has_value());
  // The href's host is dropped: the key is always read from the catalog's Barbican.
  s = ParseRequestSecret({{"keyID", std::string("https://evil.example/v1/secrets/") + kKey}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->key_id, kKey);
  EXPECT_TRUE(ParseRequestSecret({{"unrelated", "data"}})->key_id.empty());
}

TEST(RequestSecretTest, AMalformedKeyIdIsNamedButNeverEchoed) {
  auto s = ParseRequestSecret({{"keyID", "hunter2-not-an-id"}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("keyID"));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("hunter2")));
}

TEST(RequestSecretTest, PreviousKeyIdsAreUuidsOfAShortList) {
  constexpr char kOther[] = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
  auto s = ParseRequestSecret(
      {{"keyID", kKey},
       {"previousKeyIDs", std::string(" ") + kOther + ",\nhttps://x/v1/secrets/" + kKey + " "}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(s->previous_key_ids, ::testing::ElementsAre(kOther, kKey));
  EXPECT_TRUE(ParseRequestSecret({{"keyID", kKey}})->previous_key_ids.empty());

  s = ParseRequestSecret({{"previousKeyIDs", std::string(kOther) + ",hunter2"}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("previousKeyIDs: entry 2"));
  EXPECT_THAT(std::string(s.status().message()), Not(HasSubstr("hunter2")));
  std::string nine;
  for (int i = 0; i < 9; ++i) nine += std::string(kOther) + ",";
  s = ParseRequestSecret({{"previousKeyIDs", nine}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("more than 8"));
}

TEST(RequestSecretTest, EndpointKeysWithoutACredentialAreRefused) {
  // A Secret may never select a cloud.conf section (and so borrow its credentials), nor send
  // the driver's own credentials to a Keystone it names.
  for (const char* key : {"cloud", "auth-url", "region"}) {
    auto s = ParseRequestSecret({{key, "x"}, {"keyID", kKey}});
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr("never lends")) << key;
  }
}

TEST(RequestSecretTest, ApplicationCredentialNeedsItsSecretAndAnIdOrName) {
  auto s = ParseRequestSecret({{"application-credential-id", "ac"}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("application-credential-secret"));
  s = ParseRequestSecret({{"application-credential-secret", "s"}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("application-credential-id"));

  s = ParseRequestSecret({{"application-credential-id", "ac"},
                          {"application-credential-secret", "s"},
                          {"cloud", "tenant-a"},
                          {"region", "R"},
                          {"auth-url", "https://k/v3"}});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->credential.has_value());
  EXPECT_EQ(s->credential->application_credential_id, "ac");
  EXPECT_EQ(s->credential->application_credential_secret.view(), "s");
  EXPECT_EQ(s->credential->cloud, "tenant-a");
  EXPECT_EQ(s->credential->region, "R");
  EXPECT_EQ(s->credential->auth_url, "https://k/v3");
}

TEST(RequestSecretTest, EmptyValuesCountAsAbsent) {
  auto s = ParseRequestSecret({{"keyID", ""}, {"cloud", ""}, {"application-credential-id", ""}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->key_id.empty());
  EXPECT_FALSE(s->credential.has_value());
}

TEST(RequestSecretTest, PrintableBoundsAndMasksUntrustedText) {
  EXPECT_EQ(Printable("abc"), "abc");
  EXPECT_EQ(Printable(std::string("a\nb\x01", 4)), "a?b?");
  EXPECT_EQ(Printable(std::string(100, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace byok::cloud
