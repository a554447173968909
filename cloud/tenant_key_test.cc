#include <gtest/gtest.h>

#include "cloud/cloud_access.h"
#include "openstack/testing/fake_barbican.h"

namespace byok::cloud {
namespace {

using openstack::testing::FakeBarbican;

class TenantKeyTest : public ::testing::Test {
 protected:
  TenantKeyTest() : barbican_(std::make_shared<FakeBarbican>("tenant")) {
    clients_.barbican = barbican_;
    clients_.identity = "the driver's identity (user csi)";
  }
  absl::StatusOr<SecureBytes> Fetch(const std::string& ref) {
    return FetchTenantKey(clients_, ref, absl::Now() + absl::Seconds(5));
  }
  std::shared_ptr<FakeBarbican> barbican_;
  Clients clients_;
};

TEST_F(TenantKeyTest, GoodKeyByUuid) {
  std::string id = barbican_->AddSecret(SecureBytes::FromView(std::string(32, 'k')));
  auto key = Fetch(id);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), 32u);
  // Hrefs are turned into UUIDs once, by ParseRequestSecret; anything else never reaches a URL.
  EXPECT_EQ(Fetch("https://barbican.example:9311/v1/secrets/" + id).status().code(),
            absl::StatusCode::kInternal);
}

TEST_F(TenantKeyTest, MissingKeyIsInvalidArgumentNamingIt) {
  auto key = Fetch("11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find("11111111-2222-3333-4444-555555555555"),
            absl::string_view::npos);
  EXPECT_EQ(Fetch("../not a key").status().code(), absl::StatusCode::kInternal);
}

TEST_F(TenantKeyTest, OtherProjectsKeyIsPermissionDeniedWithAclHint) {
  std::string id = barbican_->AddSecret(SecureBytes::FromView(std::string(32, 'k')), "other");
  auto key = Fetch(id);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(key.status().message().find("read ACL"), absl::string_view::npos) << key.status();
}

TEST_F(TenantKeyTest, WrongShapeSaysWhatWasFound) {
  openstack::StoreSecretRequest request;
  request.payload = SecureBytes::FromView(std::string(16, 'k'));
  request.secret_type = "passphrase";
  request.bit_length = 128;
  auto id = barbican_->StoreSecret({}, request);
  ASSERT_TRUE(id.ok());
  auto key = Fetch(*id);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(key.status().message());
  EXPECT_NE(message.find("secret_type is \"passphrase\""), std::string::npos) << message;
  EXPECT_NE(message.find("bit_length is 128"), std::string::npos) << message;

  std::string text_key =
      barbican_->AddSecret(SecureBytes::FromView(std::string(32, 'k')), "", "text/plain");
  key = Fetch(text_key);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find("text/plain"), absl::string_view::npos);
}

}  // namespace
}  // namespace byok::cloud
