#include "openstack/auth_options.h"

#include "openstack/absl_compat.h"

namespace byok::openstack {

AuthOptions AuthOptions::Clone() const {
  AuthOptions c;
  c.auth_url = auth_url;
  c.region = region;
  c.interface = interface;
  c.user_id = user_id;
  c.username = username;
  c.user_domain_id = user_domain_id;
  c.user_domain_name = user_domain_name;
  c.password = password.Clone();
  c.project_id = project_id;
  c.project_name = project_name;
  c.project_domain_id = project_domain_id;
  c.project_domain_name = project_domain_name;
  c.application_credential_id = application_credential_id;
  c.application_credential_name = application_credential_name;
  c.application_credential_secret = application_credential_secret.Clone();
  c.tls = tls;
  c.endpoint_overrides = endpoint_overrides;
  c.tenant_auth_urls = tenant_auth_urls;
  return c;
}

std::string AuthOptions::Describe() const {
  if (UsesApplicationCredential()) {
    if (!application_credential_id.empty()) {
      return StrCat("application credential ", application_credential_id);
    }
    return StrCat("application credential ", application_credential_name, " of user ",
                  user_id.empty() ? username : user_id);
  }
  std::string user =
      user_id.empty()
          ? StrCat(username, "@", user_domain_id.empty() ? user_domain_name : user_domain_id)
          : user_id;
  std::string project = project_id.empty() ? StrCat(project_name, "@",
                                                    project_domain_id.empty() ? project_domain_name
                                                                              : project_domain_id)
                                           : project_id;
  return StrCat("user ", user, " project ", project);
}

}  // namespace byok::openstack
