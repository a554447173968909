#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/secure_bytes.h"
#include "openstack/tls_options.h"

namespace byok::openstack {

// Service types as they appear in the Keystone catalog.
inline constexpr char kServiceBlockStorage[] = "block-storage";
inline constexpr char kServiceCompute[] = "compute";
inline constexpr char kServiceKeyManager[] = "key-manager";
inline constexpr char kServiceIdentity[] = "identity";

// How to obtain a Keystone token for one cloud, and where its services are. Built from
// cloud.conf ([Global] or [Global "name"]) or from a tenant's Kubernetes Secret.
// Move-only: the password and application credential secret are SecureBytes.
struct AuthOptions {
  std::string auth_url;              // Keystone, e.g. https://keystone:5000/v3
  std::string region;                // empty: any region
  std::string interface = "public";  // endpoint interface: public, internal or admin

  // Password authentication. A user is named by user_id, or by username plus a domain.
  std::string user_id;
  std::string username;
  std::string user_domain_id;
  std::string user_domain_name;
  SecureBytes password;
  // Project scope: project_id, or project_name plus a domain.
  std::string project_id;
  std::string project_name;
  std::string project_domain_id;
  std::string project_domain_name;

  // Application credential authentication (takes precedence when a secret is set). Named
  // by id, or by name plus the owning user. Tokens are always scoped to the credential's
  // project, so no scope is sent.
  std::string application_credential_id;
  std::string application_credential_name;
  SecureBytes application_credential_secret;

  TlsOptions tls;
  // Per service type (kServiceBlockStorage, ...): an endpoint URL used instead of the
  // catalog's, e.g. when the catalog lists addresses the cluster cannot reach.
  std::map<std::string, std::string> endpoint_overrides;
  // cloud.conf tenant-auth-urls: the only Keystone URLs (https) that a tenant's Secret may
  // name instead of auth_url. Policy of the section, not part of any identity.
  std::vector<std::string> tenant_auth_urls;

  bool UsesApplicationCredential() const { return !application_credential_secret.empty(); }
  AuthOptions Clone() const;
  // A short description for logs and errors, with no secrets: "appcred <id>" or
  // "user demo@Default project demo".
  std::string Describe() const;
};

}  // namespace byok::openstack
