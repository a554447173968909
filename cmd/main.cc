// cinder-byok-csi: one binary serving the CSI controller, node or both on a unix socket.
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "cloud/openstack_cloud_access.h"
#include "cmd/flags.h"
#include "cmd/key_metrics.h"
#include "cmd/openstack_metrics.h"
#include "cmd/signals.h"
#include "cmd/volume_metrics.h"
#include "common/log.h"
#include "controller/controller_service.h"
#include "controller/volume_census.h"
#include "csi/backend_monitor.h"
#include "csi/identity_service.h"
#include "csi/metrics.h"
#include "csi/server.h"
#include "csi/version.h"
#include "node/node_service.h"
#include "openstack/cloud_config.h"

namespace byok {
namespace {

// Key material lives in this process's memory: keep it out of core dumps and away from
// ptrace by other unprivileged processes.
void HardenProcess() {
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// glibc gives each new thread its own malloc arena (up to 8 per core): a burst of 50
// concurrent calls on gRPC's thread pool then leaves tens of arenas half-used, ~+15 MiB RSS
// on the node plugin. The driver waits on OpenStack and the kernel, not on malloc: two
// arenas are plenty. (MALLOC_ARENA_MAX in the environment still wins, for experiments.)
void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
}

int Fail(std::string_view what, const absl::Status& status) {
  log::Error(what, {{"error", std::string(status.message())}});
  return 1;
}

// The controller service and its background threads.
struct ControllerParts {
  // Whether the driver can authenticate goes to the log and to byok_backend_up; Probe
  // (liveness) stays ready, since a restart would not bring Keystone back.
  std::unique_ptr<csi::BackendMonitor> identity_monitor;
  std::unique_ptr<controller::ControllerService> service;
  // The census runs on its own thread so a scrape never waits on Cinder; its timer is the
  // backend monitor's loop (retry after a minute while it fails). Declared after the census:
  // the timer's thread stops first.
  std::shared_ptr<controller::VolumeCensus> census;  // shared with the metrics endpoint
  std::unique_ptr<csi::BackendMonitor> census_timer;
};

ControllerParts StartController(const Options& options, const openstack::CloudConfig& config,
                                cloud::CloudAccess* access, csi::Metrics& metrics) {
  ControllerParts parts;
  metrics.SetBackendUp("openstack-identity", false);
  parts.identity_monitor = std::make_unique<csi::BackendMonitor>(
      "openstack-identity",
      [access] { return access->CheckDriverIdentity(absl::Now() + absl::Seconds(10)); },
      absl::Seconds(5), absl::Seconds(60),
      [&metrics](bool up) { metrics.SetBackendUp("openstack-identity", up); });
  controller::ControllerOptions controller_options;
  controller_options.cluster_id = options.cluster;
  const std::string& byok_microversion = config.block_storage.cinder_microversion_byok;
  if (!byok_microversion.empty()) controller_options.byok_microversion = byok_microversion;
  parts.service = std::make_unique<controller::ControllerService>(access, controller_options);
  // Only where something can read it: the census costs a Cinder listing each time.
  if (!options.metrics_address.empty() && options.volume_census_interval > absl::ZeroDuration()) {
    parts.census = std::make_shared<controller::VolumeCensus>(access, options.cluster);
    metrics.AddCollectable(std::make_shared<VolumeMetrics>(parts.census));
    parts.census_timer = std::make_unique<csi::BackendMonitor>(
        "cinder-volume-census",
        // A short bound: shutdown waits for a census in flight.
        [c = parts.census.get()] { return c->Refresh(absl::Now() + absl::Seconds(30)); },
        absl::Seconds(60), options.volume_census_interval);
  }
  return parts;
}

int Run(int argc, char** argv) {
  LimitMallocArenas();
  BlockTerminationSignals();
  HardenProcess();
  absl::StatusOr<Options> options = ParseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "cinder-byok-csi: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  log::Configure(options->log_format, options->verbosity);
  log::Info(
      "starting",
      {{"driver", kDriverName}, {"version", kDriverVersion}, {"mode", absl::GetFlag(FLAGS_mode)}});

  // Both services talk to OpenStack: the controller to create and attach, the node to read
  // the encryption descriptor and the tenant's key.
  std::vector<std::string> warnings;
  auto config = openstack::LoadCloudConfigFile(options->cloud_config, &warnings);
  if (!config.ok()) return Fail("cannot load --cloud-config", config.status());
  for (const std::string& w : warnings) log::Warning("cloud.conf", {{"warning", w}});

  csi::Metrics metrics;
  if (!options->metrics_address.empty()) {
    if (absl::Status s = metrics.Serve(options->metrics_address); !s.ok()) {
      return Fail("cannot start", s);
    }
  }
  auto stats = std::make_shared<openstack::HttpStats>();
  metrics.AddCollectable(std::make_shared<OpenStackCallMetrics>(stats));
  metrics.AddCollectable(std::make_shared<KeyMetrics>());
  auto cloud = cloud::OpenStackCloudAccess::Create(config->Clone(), stats);
  if (!cloud.ok()) return Fail("cannot set up the OpenStack clients", cloud.status());

  std::vector<grpc::Service*> services;
  ControllerParts controller;
  if (options->runs_controller()) {
    controller = StartController(*options, *config, cloud->get(), metrics);
    services.push_back(controller.service.get());
  }
  std::unique_ptr<node::NodeService> node;
  if (options->runs_node()) {
    auto created = node::NewNodeService(node::NodeOptionsFromConfig(*config, options->node_id),
                                        cloud->get(), *config);
    if (!created.ok()) return Fail("cannot set up the node service", created.status());
    node = *std::move(created);
    services.push_back(node.get());
  }
  csi::IdentityService identity(options->runs_controller());
  services.push_back(&identity);

  absl::StatusOr<std::unique_ptr<csi::Server>> server =
      csi::Server::Start({.endpoint = options->endpoint, .metrics = &metrics}, services);
  if (!server.ok()) return Fail("cannot start", server.status());
  std::thread waiter([&] {
    int signal = WaitForTerminationSignal();
    log::Info("signal received", {{"signal", std::to_string(signal)}});
    (*server)->Shutdown(options->shutdown_grace);
  });
  (*server)->Wait();
  waiter.join();
  log::Info("stopped");
  return 0;
}

}  // namespace
}  // namespace byok

int main(int argc, char** argv) { return byok::Run(argc, argv); }
