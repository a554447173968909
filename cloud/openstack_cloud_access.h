#pragma once

#include <list>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "cloud/cloud_access.h"
#include "openstack/cloud_config.h"
#include "openstack/http.h"

namespace byok::cloud {

// CloudAccess over the real OpenStack REST clients. The driver's own identity is set up once;
// tenant identities are cached by a fingerprint of their credentials, so repeated calls for
// the same tenant reuse one warm token instead of authenticating every time.
class OpenStackCloudAccess : public CloudAccess {
 public:
  // `cinder_microversion`: the default for Cinder calls.
  static absl::StatusOr<std::unique_ptr<OpenStackCloudAccess>> Create(
      openstack::CloudConfig config, std::shared_ptr<openstack::HttpStats> stats);
  ~OpenStackCloudAccess() override;

  absl::StatusOr<Clients> ForSecret(const RequestSecret& secret, absl::Time deadline) override;
  absl::Status CheckDriverIdentity(absl::Time deadline) override;

  const openstack::CloudConfig& config() const { return config_; }

 private:
  struct Identity;  // one authenticated identity and its clients
  OpenStackCloudAccess(openstack::CloudConfig config, std::shared_ptr<openstack::HttpStats> stats)
      : config_(std::move(config)), stats_(std::move(stats)) {}
  absl::StatusOr<std::shared_ptr<Identity>> MakeIdentity(openstack::AuthOptions auth, bool tenant);
  std::shared_ptr<Identity> CachedTenant(const std::string& fingerprint);
  // The clients of `identity`, authenticated: the token names the project they act in.
  absl::StatusOr<Clients> ClientsOf(const std::shared_ptr<Identity>& identity,
                                    absl::Time deadline) const;

  openstack::CloudConfig config_;
  std::shared_ptr<openstack::HttpStats> stats_;
  std::shared_ptr<Identity> driver_;

  absl::Mutex mu_;
  // Most recently used first; bounded so rotated credentials do not accumulate.
  std::list<std::pair<std::string, std::shared_ptr<Identity>>> tenants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::cloud
