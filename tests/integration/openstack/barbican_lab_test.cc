// Barbican against the real lab: binary key round trip, 404, 403 across projects, consumers.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/absl_compat.h"
#include "tests/integration/openstack/lab_env.h"

namespace byok::openstack::lab {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::string> StoreKey(testing::BarbicanTestClient& b, Cleanup& cleanup,
                                     const SecureBytes& key, std::string name) {
  StoreSecretRequest r;
  r.name = std::move(name);
  r.payload = key.Clone();
  absl::StatusOr<std::string> id = b.StoreSecret(Deadline(), r);
  if (id.ok()) {
    std::string secret = *id;
    cleanup.Add(StrCat("delete secret ", secret), [&b, secret] {
      absl::Status s = b.DeleteSecret(Deadline(), secret);
      return absl::IsNotFound(s) ? absl::OkStatus() : s;
    });
  }
  return id;
}

TEST(BarbicanLabTest, StoreMetadataPayloadRoundTrip) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  testing::BarbicanTestClient& b = *(*cloud)->barbican;
  Cleanup cleanup;
  SecureBytes key = RandomKey(32);
  absl::StatusOr<std::string> id = StoreKey(b, cleanup, key, UniqueName("key"));
  ASSERT_TRUE(id.ok()) << id.status();

  absl::StatusOr<SecretMetadata> m = b.GetSecret(Deadline(), *id);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->id, *id);
  EXPECT_EQ(m->status, "ACTIVE");
  EXPECT_EQ(m->secret_type, "symmetric");
  EXPECT_EQ(m->algorithm, "aes");
  EXPECT_EQ(m->bit_length, 256);
  EXPECT_EQ(m->DefaultContentType(), "application/octet-stream");
  EXPECT_EQ(m->creator_id, Var("DEMO_USER_ID"));

  // Byte-equal, by id and by href.
  absl::StatusOr<SecureBytes> payload = b.GetPayload(Deadline(), *id);
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_TRUE(payload->ConstantTimeEquals(key));
  payload = b.GetPayload(Deadline(), m->secret_ref);
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_TRUE(payload->ConstantTimeEquals(key));

  // The application credential of the same user reads it too.
  auto appcred = Connect(DemoAppCredential());
  absl::StatusOr<SecureBytes> again = (*appcred)->barbican->GetPayload(Deadline(), *id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->ConstantTimeEquals(key));

  ASSERT_TRUE(b.DeleteSecret(Deadline(), *id).ok());
  absl::Status gone = b.GetSecret(Deadline(), *id).status();
  EXPECT_TRUE(absl::IsNotFound(gone)) << gone;
}

TEST(BarbicanLabTest, MissingSecretIsNotFound) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  absl::Status s =
      (*cloud)->barbican->GetPayload(Deadline(), "6f1d7c1e-0000-4000-8000-0000deadbeef").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr("missing or expired"));
  EXPECT_EQ(HttpStatusOf(s), 404);
  EXPECT_FALSE(RequestIdOf(s).empty());
}

TEST(BarbicanLabTest, SecretOfAnotherProjectIsForbidden) {
  BYOK_REQUIRE_LAB();
  if (Var("ALT_PASSWORD").empty()) GTEST_SKIP() << "the lab has no alt user";
  auto demo = Connect(DemoPassword());
  auto alt = Connect(Alt());
  ASSERT_TRUE(demo.ok() && alt.ok());
  Cleanup cleanup;
  absl::StatusOr<std::string> id =
      StoreKey(*(*alt)->barbican, cleanup, RandomKey(32), UniqueName("alt-key"));
  ASSERT_TRUE(id.ok()) << id.status();
  absl::Status s = (*demo)->barbican->GetPayload(Deadline(), *id).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("not allowed to read secret"));
  EXPECT_EQ((*demo)->barbican->GetSecret(Deadline(), *id).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(BarbicanLabTest, Consumers) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  testing::BarbicanTestClient& b = *(*cloud)->barbican;
  Cleanup cleanup;
  absl::StatusOr<std::string> id = StoreKey(b, cleanup, RandomKey(32), UniqueName("consumed"));
  ASSERT_TRUE(id.ok()) << id.status();
  SecretConsumer c{"volume", "volume", "6f1d7c1e-0000-4000-8000-00000000c0de"};
  absl::Status reg = b.RegisterConsumer(Deadline(), *id, c);
  if (absl::IsUnimplemented(reg)) GTEST_SKIP() << reg;
  ASSERT_TRUE(reg.ok()) << reg;
  // Registering twice is harmless.
  EXPECT_TRUE(b.RegisterConsumer(Deadline(), *id, c).ok());
  absl::StatusOr<std::vector<SecretConsumer>> list = b.ListConsumers(Deadline(), *id);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, ::testing::ElementsAre(c));
  ASSERT_TRUE(b.UnregisterConsumer(Deadline(), *id, c).ok());
  list = b.ListConsumers(Deadline(), *id);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_TRUE(
      absl::IsNotFound(b.RegisterConsumer(Deadline(), "6f1d7c1e-0000-4000-8000-0000deadbeef", c)));
}

}  // namespace
}  // namespace byok::openstack::lab
