#pragma once

// What the lab tests that drive the real binary share: the lab's environment, the driver's own
// OpenStack identity (for setting up and checking what the plugin did), control of the lab's
// services for fault injection, and the census of what a test left behind.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cloud/openstack_cloud_access.h"
#include "openstack/call_options.h"
#include "openstack/cinder.h"

namespace byok::testing::lab {

// The environment variable, or "" when unset.
std::string Env(const char* name);

// True when tests/lab/up.sh's environment is present (LAB_CLOUD_CONF set).
bool HaveLab();

openstack::CallOptions Opts(absl::Duration timeout = absl::Seconds(120));

// The identity of a cloud.conf (default: the lab's, the one the plugin uses), with its clients.
struct DriverCloud {
  std::unique_ptr<cloud::OpenStackCloudAccess> access;
  cloud::Clients clients;
};
absl::StatusOr<std::unique_ptr<DriverCloud>> ConnectAsDriver(std::string cloud_conf = "");

// The lab's alt project (another tenant), through its user's password.
absl::StatusOr<std::unique_ptr<DriverCloud>> ConnectAsAlt();

// Stores `bytes` in Barbican as a tenant key would be stored (bit length from the size,
// application/octet-stream); returns its ID.
absl::StatusOr<std::string> StoreKey(const cloud::Clients& clients, const std::string& name,
                                     std::string_view bytes,
                                     const std::string& secret_type = "symmetric");

// tests/lab/svc.sh (or $BYOK_LAB_SVC) LAB_STATE_DIR ACTION SERVICE [VAR=VALUE...]:
// stop|start|restart|pause|resume one lab service (cinder-api, barbican, keystone, ...).
absl::Status LabService(const std::string& action, const std::string& service,
                        const std::vector<std::string>& overrides = {});

// Volumes tagged with the plugin's --cluster value (and `name`, when given), not "deleting".
std::vector<openstack::Volume> VolumesOfCluster(openstack::CinderClient& cinder,
                                                const std::string& cluster,
                                                const std::string& name = "");
// Deletes every volume of the cluster and waits (up to 2 min) until none is left; returns how
// many were left over, which a test reports as orphans.
int RemoveVolumesOfCluster(openstack::CinderClient& cinder, const std::string& cluster);

// Secrets in the lab's demo project, by the openstack CLI (the client library has no list
// call); -1 when it cannot be counted.
int BarbicanSecretCount();

}  // namespace byok::testing::lab
