#pragma once

#include "absl/status/statusor.h"
#include "cloud/request_secret.h"
#include "openstack/auth_options.h"
#include "openstack/cloud_config.h"

namespace byok::cloud {

// The AuthOptions a tenant's credential authenticates with. Only the endpoint settings of
// the chosen cloud.conf section are used (Keystone URL, region, interface, TLS, endpoint
// overrides); its credentials never are. The Secret's auth-url must be one of that section's
// tenant-auth-urls (https only): otherwise any namespace author could send the driver, and
// the privileged node plugin, to a Keystone of their own, whose catalog would then decide
// which Cinder and Barbican the driver trusts. InvalidArgument names the Secret key.
absl::StatusOr<openstack::AuthOptions> TenantAuthOptions(const TenantCredential& credential,
                                                         const openstack::CloudConfig& config);

}  // namespace byok::cloud
