// cinder-byok-csi: one binary serving the CSI controller, node or both on a unix socket.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "cmd/flags.h"
#include "cmd/signals.h"
#include "common/log.h"
#include "csi/identity_service.h"
#include "csi/metrics.h"
#include "csi/readiness.h"
#include "csi/server.h"
#include "csi/version.h"

namespace byok {
namespace {

// Key material lives in this process's memory: keep it out of core dumps and away from
// ptrace by other unprivileged processes.
void HardenProcess() {
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int Run(int argc, char** argv) {
  BlockTerminationSignals();
  HardenProcess();
  absl::StatusOr<Options> options = ParseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "cinder-byok-csi: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  log::Configure(options->log_format, options->verbosity);
  log::Info("starting", {{"driver", kDriverName},
                         {"version", kDriverVersion},
                         {"mode", absl::GetFlag(FLAGS_mode)}});

  csi::Metrics metrics;
  if (!options->metrics_address.empty()) {
    if (absl::Status s = metrics.Serve(options->metrics_address); !s.ok()) {
      log::Error("cannot start", {{"error", std::string(s.message())}});
      return 1;
    }
  }

  auto readiness = std::make_unique<csi::Readiness>();
  csi::IdentityService identity(options->runs_controller(), readiness.get());
  std::vector<grpc::Service*> services = {&identity};

  absl::StatusOr<std::unique_ptr<csi::Server>> server =
      csi::Server::Start({.endpoint = options->endpoint, .metrics = &metrics}, services);
  if (!server.ok()) {
    log::Error("cannot start", {{"error", std::string(server.status().message())}});
    return 1;
  }
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
