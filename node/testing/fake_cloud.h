#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cloud/cloud_access.h"
#include "openstack/testing/fake_barbican.h"
#include "openstack/testing/fake_cinder.h"

namespace byok::node::testing {

// CloudAccess over the in-memory Cinder and Barbican: every Secret selects the same identity.
class FakeCloudAccess : public cloud::CloudAccess {
 public:
  FakeCloudAccess()
      : cinder(std::make_shared<openstack::testing::FakeCinder>()),
        barbican(std::make_shared<openstack::testing::FakeBarbican>()) {}

  absl::StatusOr<cloud::Clients> ForSecrets(
      const std::map<std::string, std::string>& secrets) override {
    if (on_for_secrets) on_for_secrets();
    if (!for_secrets_error.ok()) return for_secrets_error;
    last_secrets = secrets;
    cloud::Clients clients;
    clients.cinder = cinder;
    clients.barbican = barbican;
    clients.identity = "the driver's identity (test)";
    return clients;
  }
  absl::Status CheckDriverIdentity(absl::Time) override { return absl::OkStatus(); }

  std::shared_ptr<openstack::testing::FakeCinder> cinder;
  std::shared_ptr<openstack::testing::FakeBarbican> barbican;
  absl::Status for_secrets_error;
  std::function<void()> on_for_secrets;  // runs at every ForSecrets (tests block in it)
  std::map<std::string, std::string> last_secrets;
};

}  // namespace byok::node::testing
