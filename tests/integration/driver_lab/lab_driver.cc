#include "tests/integration/driver_lab/lab_driver.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "common/strings.h"
#include "openstack/cloud_config.h"
#include "openstack/testing/test_clients.h"

namespace byok::testing::lab {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

bool HaveLab() { return !Env("LAB_CLOUD_CONF").empty(); }

openstack::CallOptions Opts(absl::Duration timeout) {
  return openstack::CallOptions::WithTimeout(timeout);
}

absl::StatusOr<std::unique_ptr<DriverCloud>> ConnectAsDriver(std::string cloud_conf) {
  if (cloud_conf.empty()) cloud_conf = Env("LAB_CLOUD_CONF");
  std::vector<std::string> warnings;
  auto config = openstack::LoadCloudConfigFile(cloud_conf, &warnings);
  if (!config.ok()) return config.status();
  auto access = cloud::OpenStackCloudAccess::Create(*std::move(config),
                                                    std::make_shared<openstack::HttpStats>());
  if (!access.ok()) return access.status();
  auto out = std::make_unique<DriverCloud>();
  out->access = *std::move(access);
  auto clients = out->access->ForDriver(absl::Now() + absl::Minutes(1));
  if (!clients.ok()) return clients.status();
  out->clients = *std::move(clients);
  return out;
}

absl::StatusOr<std::unique_ptr<DriverCloud>> ConnectAsAlt() {
  // A cloud.conf of the alt project's user, only for as long as it takes to read it.
  std::string conf = Env("LAB_STATE_DIR") + "/cloud-alt-test." + std::to_string(getpid());
  std::ofstream(conf) << "[Global]\nauth-url=" << Env("OS_AUTH_URL")
                      << "\nusername=" << Env("LAB_ALT_USERNAME")
                      << "\npassword=" << Env("LAB_ALT_PASSWORD")
                      << "\nuser-domain-name=Default\ndomain-name=Default\ntenant-name="
                      << Env("LAB_ALT_PROJECT_NAME") << "\nregion=" << Env("OS_REGION_NAME")
                      << "\n";
  auto alt = ConnectAsDriver(conf);
  std::remove(conf.c_str());
  return alt;
}

absl::StatusOr<std::string> StoreKey(const cloud::Clients& clients, const std::string& name,
                                     std::string_view bytes, const std::string& secret_type) {
  openstack::StoreSecretRequest store;
  store.name = name;
  store.payload = SecureBytes::FromView(bytes);
  store.bit_length = static_cast<int>(bytes.size() * 8);
  store.secret_type = secret_type;
  auto barbican = openstack::testing::BarbicanTestClient::Of(*clients.barbican);
  if (!barbican.ok()) return barbican.status();
  return (*barbican)->StoreSecret(Opts(), store);
}

absl::Status LabService(const std::string& action, const std::string& service,
                        const std::vector<std::string>& overrides) {
  std::string script = Env("BYOK_LAB_SVC");
  if (script.empty()) script = BYOK_LAB_SVC_SCRIPT;
  std::string state = Env("LAB_STATE_DIR");
  if (state.empty()) return absl::FailedPreconditionError("LAB_STATE_DIR is not set");
  // Values are the test's own (service names, config paths): quoting with '' is enough.
  std::string command = StrCat("'", script, "' '", state, "' ", action, " ", service);
  for (const std::string& o : overrides) StrAppend(&command, " '", o, "'");
  int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(StrCat(command, ": exit ", WIFEXITED(rc) ? WEXITSTATUS(rc) : rc));
  }
  return absl::OkStatus();
}

std::vector<openstack::Volume> VolumesOfCluster(openstack::CinderClient& cinder,
                                                const std::string& cluster,
                                                const std::string& name) {
  openstack::ListRequest list;
  list.metadata["cinder.csi.openstack.org/cluster"] = cluster;  // controller::kMetaCluster
  list.name = name;
  std::vector<openstack::Volume> out;
  auto page = cinder.ListVolumes(Opts(), list);
  if (!page.ok()) {
    std::fprintf(stderr, "listing volumes of %s: %s\n", cluster.c_str(),
                 std::string(page.status().message()).c_str());
    return out;
  }
  for (auto& v : page->volumes)
    if (v.status != "deleting") out.push_back(v);
  return out;
}

int RemoveVolumesOfCluster(openstack::CinderClient& cinder, const std::string& cluster) {
  std::vector<openstack::Volume> left = VolumesOfCluster(cinder, cluster);
  for (const auto& v : left) (void)cinder.DeleteVolume(Opts(), v.id);
  absl::Time until = absl::Now() + absl::Seconds(120);
  while (!VolumesOfCluster(cinder, cluster).empty() && absl::Now() < until) {
    absl::SleepFor(absl::Seconds(1));
  }
  return static_cast<int>(left.size());
}

int BarbicanSecretCount() {
  FILE* p = popen(
      "openstack secret list --limit 1000 -f value -c 'Secret href' 2>/dev/null | wc -l", "r");
  if (p == nullptr) return -1;
  int n = -1;
  if (std::fscanf(p, "%d", &n) != 1) n = -1;
  pclose(p);
  return n;
}

}  // namespace byok::testing::lab
