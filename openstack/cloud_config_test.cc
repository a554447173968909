#include "openstack/cloud_config.h"

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace byok::openstack {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kFull[] = R"(
[Global]
auth-url = https://keystone.example:5000/v3
username = csi
password = "pa;ss#word"
user-domain-name = Users
tenant-name = k8s
tenant-domain-id = dom-1
region = RegionTwo
ca-file = /etc/ssl/ca.pem
cert-file = /etc/ssl/client.pem
key-file = /etc/ssl/client.key
tls-insecure = false
endpoint-type = internalURL
cinder-endpoint = https://cinder.example/v3/p
nova-endpoint = https://nova.example/v2.1
barbican-endpoint = https://barbican.example
metadata-url = http://169.254.169.254

[BlockStorage]
bs-version = v3
trust-device-path = true
node-volume-attach-limit = 25
cinder-microversion-byok = 3.71

[Metadata]
search-order = metadataService, configDrive
request-timeout = 7s

[Global "tenant-a"]
auth-url = https://keystone-a.example/v3
application-credential-id = ac-1
application-credential-secret = s3cr3t-a
region = RegionA
)";

TEST(CloudConfigTest, ParsesEveryKey) {
  std::vector<std::string> warnings;
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(kFull, &warnings);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(warnings, IsEmpty());
  const AuthOptions& g = c->global;
  EXPECT_EQ(g.auth_url, "https://keystone.example:5000/v3");
  EXPECT_EQ(g.username, "csi");
  EXPECT_EQ(g.password.view(), "pa;ss#word");
  EXPECT_EQ(g.user_domain_name, "Users");
  EXPECT_EQ(g.project_name, "k8s");
  EXPECT_EQ(g.project_domain_id, "dom-1");
  EXPECT_EQ(g.region, "RegionTwo");
  EXPECT_EQ(g.interface, "internal");
  EXPECT_EQ(g.tls.ca_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(g.tls.cert_file, "/etc/ssl/client.pem");
  EXPECT_EQ(g.tls.key_file, "/etc/ssl/client.key");
  EXPECT_FALSE(g.tls.insecure);
  EXPECT_EQ(g.endpoint_overrides.at(kServiceBlockStorage), "https://cinder.example/v3/p");
  EXPECT_EQ(g.endpoint_overrides.at(kServiceCompute), "https://nova.example/v2.1");
  EXPECT_EQ(g.endpoint_overrides.at(kServiceKeyManager), "https://barbican.example");
  EXPECT_EQ(c->metadata.url, "http://169.254.169.254");
  EXPECT_THAT(c->metadata.search_order, ElementsAre("metadataService", "configDrive"));
  EXPECT_EQ(c->metadata.request_timeout, absl::Seconds(7));
  EXPECT_EQ(c->block_storage.bs_version, "v3");
  EXPECT_TRUE(c->block_storage.trust_device_path);
  EXPECT_EQ(c->block_storage.node_volume_attach_limit, 25);
  EXPECT_EQ(c->block_storage.cinder_microversion_byok, "3.71");

  const AuthOptions* a = c->FindCloud("tenant-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->auth_url, "https://keystone-a.example/v3");
  EXPECT_EQ(a->application_credential_id, "ac-1");
  EXPECT_EQ(a->application_credential_secret.view(), "s3cr3t-a");
  EXPECT_TRUE(a->UsesApplicationCredential());
  // Named clouds are independent of [Global]: nothing is inherited.
  EXPECT_TRUE(a->tls.ca_file.empty());
  EXPECT_EQ(c->FindCloud(""), &c->global);
  EXPECT_EQ(c->FindCloud("nope"), nullptr);
}

TEST(CloudConfigTest, DefaultsWhenSectionsAreAbsent) {
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(
      "[Global]\nauth-url=http://k/v3\napplication-credential-id=x\n"
      "application-credential-secret=y\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.interface, "public");
  EXPECT_THAT(c->metadata.search_order, ElementsAre("configDrive", "metadataService"));
  EXPECT_TRUE(c->block_storage.cinder_microversion_byok.empty());
  EXPECT_EQ(c->block_storage.node_volume_attach_limit, 0);
  EXPECT_FALSE(c->global.tls.insecure);
}

TEST(CloudConfigTest, AliasesAndDomainFallback) {
  // The lab's cloud.conf: domain-name stands in for the project's domain.
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(
      "[Global]\nauth-url=http://k/v3\nusername=demo\npassword=p\nuser-domain-name=Default\n"
      "domain-name=Default\ntenant-name=demo\nregion=RegionOne\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.user_domain_name, "Default");
  EXPECT_EQ(c->global.project_domain_name, "Default");

  c = ParseCloudConfig(
      "[Global]\nauth-url=http://k/v3\nuser-id=u1\npassword=p\nproject-id=p1\n"
      "interface=admin\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.user_id, "u1");
  EXPECT_EQ(c->global.project_id, "p1");
  EXPECT_EQ(c->global.interface, "admin");

  c = ParseCloudConfig(
      "[Global]\nauth-url=http://k/v3\nusername=u\ndomain-id=d\npassword=p\n"
      "project-name=x\nproject-domain-name=PD\nos-endpoint-type=public\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.user_domain_id, "d");
  EXPECT_EQ(c->global.project_domain_name, "PD");
  EXPECT_TRUE(c->global.project_domain_id.empty());
}

TEST(CloudConfigTest, UnknownKeysAndSectionsAreWarningsWithLineNumbers) {
  std::vector<std::string> warnings;
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(
      "[Global]\nauth-url=https://k/v3\napplication-credential-id=x\n"
      "application-credential-secret=y\nfrobnicate=very-secret-value\ntrust-id=t\n"
      "[LoadBalancer]\nsubnet-id=s\n[BlockStorage]\nwhat=1\n[Metadata]\nzzz=2\n",
      &warnings);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(warnings.size(), 5u);
  EXPECT_THAT(warnings[0], HasSubstr("line 5"));
  EXPECT_THAT(warnings[0], HasSubstr("unknown key \"frobnicate\""));
  EXPECT_THAT(warnings[1], HasSubstr("\"trust-id\" is not supported"));
  EXPECT_THAT(warnings[2], HasSubstr("unknown section [loadbalancer]"));
  EXPECT_THAT(warnings[3], HasSubstr("line 10"));
  EXPECT_THAT(warnings[4], HasSubstr("[Metadata] unknown key \"zzz\""));
  for (const std::string& w : warnings) EXPECT_THAT(w, Not(HasSubstr("very-secret-value")));
}

// Keys that cloud-provider-openstack acts on but this driver does not are named as such,
// so an operator who copies an upstream cloud.conf learns that they change nothing here.
TEST(CloudConfigTest, UpstreamBlockStorageKeysWithoutBehaviourAreWarnedAbout) {
  std::vector<std::string> warnings;
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(
      "[Global]\nauth-url=https://k/v3\napplication-credential-id=x\n"
      "application-credential-secret=y\n[BlockStorage]\nignore-volume-az=true\n"
      "rescan-on-resize=true\nignore-volume-microversion=true\n",
      &warnings);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("\"ignore-volume-az\" is not supported"),
                                    HasSubstr("\"rescan-on-resize\" is not supported"),
                                    HasSubstr("\"ignore-volume-microversion\" is not supported")));
}

TEST(CloudConfigTest, MissingKeysAreNamed) {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"[Global]\nusername=u\n", "cloud.conf [Global]: auth-url is required"},
      {"[Global]\nauth-url=x\n", "no credentials"},
      {"[Global]\nauth-url=x\napplication-credential-id=a\n",
       "application-credential-secret is required"},
      {"[Global]\nauth-url=x\napplication-credential-secret=s\n",
       "application-credential-id or application-credential-name is required"},
      {"[Global]\nauth-url=x\napplication-credential-name=n\napplication-credential-secret=s\n",
       "application-credential-name needs username or user-id"},
      {"[Global]\nauth-url=x\napplication-credential-name=n\napplication-credential-secret=s\n"
       "username=u\n",
       "username needs user-domain-name"},
      {"[Global]\nauth-url=x\npassword=p\n", "username or user-id is required"},
      {"[Global]\nauth-url=x\npassword=p\nusername=u\n", "username needs user-domain-name"},
      {"[Global]\nauth-url=x\npassword=p\nuser-id=u\n", "a project is required"},
      {"[Global]\nauth-url=x\npassword=p\nuser-id=u\ntenant-name=t\n",
       "tenant-name needs tenant-domain-name"},
      {"[BlockStorage]\n", "the [Global] section is required"},
      {"[Global]\nauth-url=x\napplication-credential-id=a\napplication-credential-secret=s\n"
       "[Global \"b\"]\nusername=u\n",
       "cloud.conf [Global \"b\"]: auth-url is required"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CloudConfig> config = ParseCloudConfig(c.text, nullptr);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.want)) << c.text;
  }
}

TEST(CloudConfigTest, BadValuesAreInvalidArgumentWithoutSecrets) {
  for (const char* text : {
           "[Global]\nauth-url=x\ntls-insecure=maybe\n",
           "[Global]\nauth-url=x\nendpoint-type=sideways\n",
           "[BlockStorage]\nnode-volume-attach-limit=-3\n",
           "[Metadata]\nsearch-order=configDrive,floppy\n",
           "[Metadata]\nrequest-timeout=soon\n",
           "[Global\nauth-url=x\n",
       }) {
    absl::StatusOr<CloudConfig> c = ParseCloudConfig(text, nullptr);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(c.status().message()), HasSubstr("line")) << text;
  }
  // A bad config never echoes the password.
  absl::StatusOr<CloudConfig> c =
      ParseCloudConfig("[Global]\nauth-url=x\npassword=hunter2-secret\nusername=u\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), Not(HasSubstr("hunter2")));
}

TEST(CloudConfigTest, TlsInsecureMustBeExplicit) {
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(
      "[Global]\nauth-url=https://k/v3\napplication-credential-id=a\n"
      "application-credential-secret=s\ntls-insecure=true\n",
      nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->global.tls.insecure);
}

TEST(CloudConfigTest, LoadsFileAndReportsMissingFile) {
  std::string path = ::testing::TempDir() + "/cloud.conf";
  {
    std::ofstream out(path);
    out << kFull;
  }
  std::vector<std::string> warnings;
  absl::StatusOr<CloudConfig> c = LoadCloudConfigFile(path, &warnings);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.username, "csi");
  std::remove(path.c_str());

  absl::StatusOr<CloudConfig> missing = LoadCloudConfigFile("/nonexistent/cloud.conf", nullptr);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/cloud.conf"));
}

TEST(CloudConfigTest, TenantAuthUrlsMustBeHttpsAndPlainHttpIsWarnedAbout) {
  std::vector<std::string> warnings;
  absl::StatusOr<CloudConfig> c = ParseCloudConfig(R"([Global]
auth-url = http://keystone.lab:5000/v3
username = csi
password = p
user-domain-name = Default
tenant-name = k8s
tenant-domain-name = Default
tenant-auth-urls = https://keystone-a.example/v3/ , https://keystone-b.example/v3
)",
                                                   &warnings);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->global.tenant_auth_urls,
              ElementsAre("https://keystone-a.example/v3", "https://keystone-b.example/v3"));
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("plain http")));

  c = ParseCloudConfig(R"([Global]
auth-url = https://keystone.lab:5000/v3
application-credential-id = a
application-credential-secret = s
tenant-auth-urls = http://attacker.example/v3
)",
                       nullptr);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("tenant-auth-urls"));
}

}  // namespace
}  // namespace byok::openstack
