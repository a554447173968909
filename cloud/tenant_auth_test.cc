#include "cloud/tenant_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace byok::cloud {
namespace {

using ::testing::HasSubstr;

constexpr char kConf[] = R"([Global]
auth-url = https://keystone.example:5000/v3
username = csi
password = operator-password
user-domain-name = Default
tenant-name = k8s
tenant-domain-name = Default
region = RegionOne
ca-file = /etc/ssl/ca.pem
cert-file = /etc/ssl/operator.pem
key-file = /etc/ssl/operator.key
cinder-endpoint = https://cinder.example/v3/p
tenant-auth-urls = https://keystone-tenants.example/v3

[Global "tenant-a"]
auth-url = https://keystone-a.example/v3
application-credential-id = ac-a
application-credential-secret = secret-of-tenant-a
region = RegionA
)";

openstack::CloudConfig Config() { return *openstack::ParseCloudConfig(kConf, nullptr); }

TenantCredential Credential() {
  TenantCredential c;
  c.application_credential_id = "tenant-ac";
  c.application_credential_secret = SecureBytes::FromView("tenant-secret");
  return c;
}

TEST(TenantAuthTest, UsesTheSectionsEndpointsAndNeverItsCredentials) {
  auto a = TenantAuthOptions(Credential(), Config());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->auth_url, "https://keystone.example:5000/v3");
  EXPECT_EQ(a->region, "RegionOne");
  EXPECT_EQ(a->tls.ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(a->tls.cert_file, "/etc/ssl/operator.pem");  // the operator's own Keystone
  EXPECT_EQ(a->endpoint_overrides.size(), 1u);
  EXPECT_EQ(a->application_credential_id, "tenant-ac");
  EXPECT_EQ(a->application_credential_secret.view(), "tenant-secret");
  EXPECT_TRUE(a->password.empty());
  EXPECT_TRUE(a->username.empty());
  EXPECT_TRUE(a->project_name.empty());
}

TEST(TenantAuthTest, ANamedSectionLendsItsEndpointButNotItsCredential) {
  TenantCredential c = Credential();
  c.cloud = "tenant-a";
  auto a = TenantAuthOptions(c, Config());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->auth_url, "https://keystone-a.example/v3");
  EXPECT_EQ(a->region, "RegionA");
  EXPECT_EQ(a->application_credential_id, "tenant-ac");
  EXPECT_EQ(a->application_credential_secret.view(), "tenant-secret");

  c.cloud = "tenant-b";
  a = TenantAuthOptions(c, Config());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(a.status().message()), HasSubstr("[Global \"tenant-b\"]"));
}

TEST(TenantAuthTest, AnAuthUrlMustBeOnTheOperatorsList) {
  TenantCredential c = Credential();
  c.auth_url = "https://attacker.example/v3";
  auto a = TenantAuthOptions(c, Config());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(a.status().message()), HasSubstr("tenant-auth-urls"));
  EXPECT_THAT(std::string(a.status().message()), testing::Not(HasSubstr("attacker")));

  c.auth_url = "https://keystone-tenants.example/v3/";  // listed (trailing slash ignored)
  a = TenantAuthOptions(c, Config());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->auth_url, "https://keystone-tenants.example/v3");
  // The operator's client certificate is not presented to another Keystone's catalog.
  EXPECT_TRUE(a->tls.cert_file.empty());
  EXPECT_TRUE(a->tls.key_file.empty());
  EXPECT_EQ(a->tls.ca_file, "/etc/ssl/ca.pem");

  c.auth_url = "https://keystone.example:5000/v3";  // the section's own
  EXPECT_TRUE(TenantAuthOptions(c, Config()).ok());

  // Another section's list does not apply.
  c.cloud = "tenant-a";
  c.auth_url = "https://keystone-tenants.example/v3";
  EXPECT_EQ(TenantAuthOptions(c, Config()).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace byok::cloud
