#include "cloud/tenant_auth.h"

#include "common/strings.h"

namespace byok::cloud {
namespace {

std::string SectionName(const std::string& cloud) {
  return cloud.empty() ? "[Global]" : StrCat("[Global \"", Printable(cloud), "\"]");
}

// The Keystone the credential is sent to: the section's own, or one the operator listed.
absl::StatusOr<std::string> ChooseAuthUrl(const TenantCredential& credential,
                                          const openstack::AuthOptions& section) {
  if (credential.auth_url.empty()) return section.auth_url;
  const std::string wanted = openstack::NormalizeAuthUrl(credential.auth_url);
  if (wanted == openstack::NormalizeAuthUrl(section.auth_url)) return section.auth_url;
  for (const std::string& allowed : section.tenant_auth_urls) {
    if (wanted == allowed) return allowed;
  }
  return absl::InvalidArgumentError(
      StrCat("Secret key ", kSecretAuthUrl, " names a Keystone that cloud.conf ",
             SectionName(credential.cloud),
             " does not allow: tenants may only name the URLs the operator lists in its "
             "tenant-auth-urls (https); leave ",
             kSecretAuthUrl, " out to use the cloud's own Keystone"));
}

}  // namespace

absl::StatusOr<openstack::AuthOptions> TenantAuthOptions(const TenantCredential& credential,
                                                         const openstack::CloudConfig& config) {
  const openstack::AuthOptions* section = config.FindCloud(credential.cloud);
  if (section == nullptr) {
    return absl::InvalidArgumentError(StrCat("Secret key ", kSecretCloud, " names ",
                                             SectionName(credential.cloud),
                                             ", which cloud.conf does not have"));
  }
  auto auth_url = ChooseAuthUrl(credential, *section);
  if (!auth_url.ok()) return auth_url.status();

  // A fresh AuthOptions: nothing of the section's own account (password, user, project,
  // application credential) may reach a tenant's session.
  openstack::AuthOptions out;
  out.auth_url = *auth_url;
  out.region = credential.region.empty() ? section->region : credential.region;
  out.interface = section->interface;
  out.tls = section->tls;
  if (out.auth_url != section->auth_url) {
    // Another Keystone (from tenant-auth-urls): the operator's client certificate is for the
    // operator's endpoints, not for a catalog that Keystone returns.
    out.tls.cert_file.clear();
    out.tls.key_file.clear();
  }
  out.endpoint_overrides = section->endpoint_overrides;
  out.application_credential_id = credential.application_credential_id;
  out.application_credential_name = credential.application_credential_name;
  out.application_credential_secret = credential.application_credential_secret.Clone();
  out.username = credential.username;
  out.user_id = credential.user_id;
  out.user_domain_name = credential.user_domain_name;
  out.user_domain_id = credential.user_domain_id;
  absl::Status valid = openstack::ValidateAuthOptions(out, "Secret");
  if (!valid.ok()) return valid;
  return out;
}

}  // namespace byok::cloud
