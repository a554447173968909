#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cloud/cloud_access.h"
#include "openstack/testing/fake_barbican.h"
#include "openstack/testing/fake_cinder.h"
#include "openstack/testing/fake_nova.h"

namespace byok::cloud::testing {

// CloudAccess over the in-memory Cinder, Barbican and Nova, shared by the controller's and the
// node's unit tests. A Secret without a credential acts as the driver in `driver_project`; one
// with an application credential acts as a tenant in project "project-of-<credential id>".
// All identities see the same fakes: ownership checks, not the fakes, keep them apart.
class FakeCloudAccess : public CloudAccess {
 public:
  explicit FakeCloudAccess(std::string barbican_project = "fake-project")
      : cinder(std::make_shared<openstack::testing::FakeCinder>()),
        barbican(std::make_shared<openstack::testing::FakeBarbican>(barbican_project)),
        nova(std::make_shared<openstack::testing::FakeNova>(cinder.get())) {}

  absl::StatusOr<Clients> ForSecret(const RequestSecret& secret, absl::Time) override {
    if (on_for_secret) on_for_secret();
    if (!for_secret_error.ok()) return for_secret_error;
    last_key_id = secret.key_id;
    Clients clients;
    clients.cinder = cinder;
    clients.barbican = barbican;
    clients.nova = nova;
    clients.tenant = secret.credential.has_value();
    clients.project_id = clients.tenant
                             ? "project-of-" + secret.credential->application_credential_id
                             : driver_project;
    clients.identity =
        clients.tenant ? "tenant credentials (test)" : "the driver's identity (test)";
    return clients;
  }
  absl::Status CheckDriverIdentity(absl::Time) override { return absl::OkStatus(); }

  std::shared_ptr<openstack::testing::FakeCinder> cinder;
  std::shared_ptr<openstack::testing::FakeBarbican> barbican;
  std::shared_ptr<openstack::testing::FakeNova> nova;
  std::string driver_project = "driver-project";
  absl::Status for_secret_error;
  std::function<void()> on_for_secret;  // runs at every ForSecret (tests block in it)
  std::string last_key_id;
};

}  // namespace byok::cloud::testing
