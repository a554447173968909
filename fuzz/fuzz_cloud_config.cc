// libFuzzer target: cloud.conf text -> openstack::ParseCloudConfig, then what the driver does
// with a parsed config: look up clouds, clone, validate, and build a tenant's AuthOptions from a
// Secret that names each cloud, with and without an auth-url of its own.
#include <cstdlib>
#include <vector>

#include "cloud/request_secret.h"
#include "cloud/tenant_auth.h"
#include "fuzz/fuzz_util.h"
#include "openstack/cloud_config.h"

namespace {

void TenantAuth(const std::map<std::string, std::string>& secrets,
                const byok::openstack::CloudConfig& config) {
  auto secret = byok::cloud::ParseRequestSecret(secrets);
  if (!secret.ok() || !secret->credential) return;
  auto auth = byok::cloud::TenantAuthOptions(*secret->credential, config);
  // Never the section's own credentials.
  if (auth.ok() && !auth->password.empty()) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = byok::fuzz::AsView(data, size);
  std::vector<std::string> warnings;
  auto config = byok::openstack::ParseCloudConfig(text, &warnings);
  if (!config.ok()) return 0;
  byok::openstack::CloudConfig copy = config->Clone();
  if (copy.FindCloud("") == nullptr) abort();  // [Global] always exists
  (void)byok::openstack::ValidateAuthOptions(copy.global, "cloud.conf [Global]");
  for (const auto& [name, options] : config->clouds) {
    if (config->FindCloud(name) == nullptr) abort();
    (void)options.Describe();
    // A tenant Secret selecting that cloud, with and without an application credential.
    std::map<std::string, std::string> secrets = {{"cloud", name}};
    TenantAuth(secrets, *config);
    secrets["application-credential-id"] = "ac";
    secrets["application-credential-secret"] = "s";
    TenantAuth(secrets, *config);
  }
  std::map<std::string, std::string> secrets = {{"auth-url", "https://k:5000/v3"},
                                                {"application-credential-name", "n"},
                                                {"application-credential-secret", "s"},
                                                {"username", "u"}};
  TenantAuth(secrets, *config);
  (void)config->global.Describe();
  return 0;
}
