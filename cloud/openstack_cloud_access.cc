#include "cloud/openstack_cloud_access.h"

#include <openssl/evp.h>

#include "cloud/tenant_auth.h"
#include "cloud/volume_handle.h"
#include "common/log.h"
#include "common/strings.h"
#include "openstack/authenticated_client.h"
#include "openstack/curl_http.h"
#include "openstack/keystone.h"
#include "openstack/rest_barbican.h"
#include "openstack/rest_cinder.h"
#include "openstack/rest_nova.h"
#include "openstack/retry_policy.h"

namespace byok::cloud {
namespace {

constexpr size_t kMaxCachedTenants = 64;

// A digest of everything that identifies a tenant's credentials, secrets included, so a
// rotated application credential gets a fresh identity. Only the digest is kept as a key.
std::string Fingerprint(const openstack::AuthOptions& auth) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto add = [ctx](std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    EVP_DigestUpdate(ctx, &n, sizeof(n));
    EVP_DigestUpdate(ctx, s.data(), s.size());
  };
  for (const std::string* s :
       {&auth.auth_url, &auth.region, &auth.interface, &auth.user_id, &auth.username,
        &auth.user_domain_id, &auth.user_domain_name, &auth.project_id, &auth.project_name,
        &auth.project_domain_id, &auth.project_domain_name, &auth.application_credential_id,
        &auth.application_credential_name, &auth.tls.ca_file, &auth.tls.cert_file,
        &auth.tls.key_file}) {
    add(*s);
  }
  add(auth.password.view());
  add(auth.application_credential_secret.view());
  add(auth.tls.insecure ? "1" : "0");
  for (const auto& [k, v] : auth.endpoint_overrides) {
    add(k);
    add(v);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<char*>(digest), len);
}

}  // namespace

struct OpenStackCloudAccess::Identity {
  std::unique_ptr<openstack::HttpClient> http;
  std::unique_ptr<openstack::KeystoneTokenProvider> tokens;
  std::unique_ptr<openstack::AuthenticatedClient> auth;
  std::shared_ptr<openstack::CinderClient> cinder;
  std::shared_ptr<openstack::BarbicanClient> barbican;
  std::shared_ptr<openstack::NovaClient> nova;
  std::string description;
  bool tenant = false;
};

OpenStackCloudAccess::~OpenStackCloudAccess() = default;

absl::StatusOr<std::unique_ptr<OpenStackCloudAccess>> OpenStackCloudAccess::Create(
    openstack::CloudConfig config, std::shared_ptr<openstack::HttpStats> stats) {
  auto access = std::unique_ptr<OpenStackCloudAccess>(
      new OpenStackCloudAccess(std::move(config), std::move(stats)));
  auto driver = access->MakeIdentity(access->config_.global.Clone(), /*tenant=*/false);
  if (!driver.ok()) return driver.status();
  access->driver_ = *std::move(driver);
  return access;
}

absl::StatusOr<std::shared_ptr<OpenStackCloudAccess::Identity>> OpenStackCloudAccess::MakeIdentity(
    openstack::AuthOptions auth, bool tenant) {
  auto identity = std::make_shared<Identity>();
  identity->description =
      StrCat(tenant ? "tenant credentials (" : "the driver's identity (", auth.Describe(), ")");
  identity->tenant = tenant;
  openstack::CurlOptions curl;
  curl.tls = auth.tls;
  auto http = openstack::NewHttpClient(curl, openstack::RetryPolicy(), stats_);
  if (!http.ok()) return http.status();
  identity->http = *std::move(http);
  identity->tokens =
      std::make_unique<openstack::KeystoneTokenProvider>(std::move(auth), identity->http.get());
  identity->auth = std::make_unique<openstack::AuthenticatedClient>(identity->tokens.get(),
                                                                    identity->http.get());
  auto cinder = openstack::RestCinderClient::Create(identity->auth.get());
  if (!cinder.ok()) return cinder.status();
  identity->cinder = *std::move(cinder);
  identity->barbican = std::make_shared<openstack::RestBarbicanClient>(identity->auth.get());
  auto nova = openstack::RestNovaClient::Create(identity->auth.get());
  if (!nova.ok()) return nova.status();
  identity->nova = *std::move(nova);
  return identity;
}

absl::StatusOr<Clients> OpenStackCloudAccess::ClientsOf(const std::shared_ptr<Identity>& identity,
                                                        absl::Time deadline) const {
  auto session = identity->tokens->GetSession(deadline);
  if (!session.ok()) return session.status();
  Clients clients;
  // The clients share ownership of the identity so a cache eviction cannot pull the
  // transport out from under a call in flight.
  clients.cinder = std::shared_ptr<openstack::CinderClient>(identity, identity->cinder.get());
  clients.barbican = std::shared_ptr<openstack::BarbicanClient>(identity, identity->barbican.get());
  clients.nova = std::shared_ptr<openstack::NovaClient>(identity, identity->nova.get());
  clients.identity = identity->description;
  clients.tenant = identity->tenant;
  clients.project_id = (*session)->project_id;
  // A tenant's project becomes part of CSI IDs: one that could not be parsed back would
  // leave volumes nobody can delete.
  if (clients.tenant && !PlausibleProjectId(clients.project_id)) {
    return absl::FailedPreconditionError(
        StrCat(clients.identity,
               ": Keystone scoped the token to a project ID that cannot be "
               "part of a volume ID (",
               Printable(clients.project_id), ")"));
  }
  return clients;
}

std::shared_ptr<OpenStackCloudAccess::Identity> OpenStackCloudAccess::CachedTenant(
    const std::string& fingerprint) {
  absl::MutexLock lock(&mu_);
  for (auto it = tenants_.begin(); it != tenants_.end(); ++it) {
    if (it->first == fingerprint) {
      tenants_.splice(tenants_.begin(), tenants_, it);
      return it->second;
    }
  }
  return nullptr;
}

absl::StatusOr<Clients> OpenStackCloudAccess::ForSecret(const RequestSecret& secret,
                                                        absl::Time deadline) {
  if (!secret.credential) return ClientsOf(driver_, deadline);
  auto tenant_auth = TenantAuthOptions(*secret.credential, config_);
  if (!tenant_auth.ok()) return tenant_auth.status();

  std::string key = Fingerprint(*tenant_auth);
  if (auto cached = CachedTenant(key)) return ClientsOf(cached, deadline);
  auto identity = MakeIdentity(*std::move(tenant_auth), /*tenant=*/true);
  if (!identity.ok()) return identity.status();
  {
    absl::MutexLock lock(&mu_);
    tenants_.emplace_front(key, *identity);
    while (tenants_.size() > kMaxCachedTenants) tenants_.pop_back();
  }
  return ClientsOf(*identity, deadline);
}

absl::Status OpenStackCloudAccess::CheckDriverIdentity(absl::Time deadline) {
  auto session = driver_->tokens->GetSession(deadline);
  return session.ok() ? absl::OkStatus() : session.status();
}

}  // namespace byok::cloud
