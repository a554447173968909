#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "openstack/keystone.h"

namespace byok::openstack::testing {

// A TokenProvider with a fixed catalog and no Keystone. Each Invalidate() makes the next
// GetSession() hand out a new token ("fake-token-1", "fake-token-2", ...).
class FakeTokenProvider : public TokenProvider {
 public:
  // Service type -> URL (kServiceBlockStorage -> "http://cinder/v3/p", ...).
  using Endpoints = std::map<std::string, std::string>;
  explicit FakeTokenProvider(Endpoints endpoints = {}, std::string project_id = "fake-project");

  absl::StatusOr<std::shared_ptr<const AuthSession>> GetSession(absl::Time deadline) override;
  void Invalidate(const AuthSession* stale) override;

  // The next GetSession() fails with `status`.
  void FailNext(absl::Status status);
  int get_calls() const;
  int invalidations() const;
  // Authentications performed (1 + effective invalidations, once used).
  int auth_calls() const;

 private:
  const std::map<std::string, std::string> endpoints_;
  const std::string project_id_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const AuthSession> session_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_next_ ABSL_GUARDED_BY(mu_);
  int get_calls_ ABSL_GUARDED_BY(mu_) = 0;
  int invalidations_ ABSL_GUARDED_BY(mu_) = 0;
  int auth_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace byok::openstack::testing
