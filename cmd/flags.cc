#include "cmd/flags.h"

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/strings.h"

// absl flag names cannot contain dashes; NormalizeDashes() below lets operators write
// --cloud-config and --log-format as Kubernetes manifests conventionally do.
ABSL_FLAG(std::string, endpoint, "unix:///csi/csi.sock", "CSI endpoint: unix:///path/to/csi.sock");
ABSL_FLAG(std::string, mode, "all", "Services to run: controller, node or all");
ABSL_FLAG(std::string, cloud_config, "/etc/config/cloud.conf",
          "cloud.conf in the INI format of cinder-csi-plugin ([Global], [BlockStorage], "
          "[Metadata])");
ABSL_FLAG(std::string, node_id, "",
          "Node ID (the Nova server UUID); default: read from the config drive or the "
          "metadata service");
ABSL_FLAG(std::string, log_format, "text", "Log format: text or json");
ABSL_FLAG(int, v, 0, "Log verbosity; 4 logs requests and responses with secrets stripped");
ABSL_FLAG(std::string, metrics_address, "",
          "Serve Prometheus metrics on host:port (empty: no metrics endpoint)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(30),
          "On SIGTERM/SIGINT, how long calls in flight may take to finish");

ABSL_FLAG(std::string, cluster, "kubernetes",
          "Cluster ID recorded in the metadata of every volume and snapshot (as "
          "cinder-csi-plugin's --cluster), so clusters sharing a project can be told apart");

ABSL_FLAG(absl::Duration, volume_census_interval, absl::Minutes(5),
          "Controller: how often to count this cluster's volumes by encryption mode for the "
          "byok_volumes metric, served with --metrics-address (one Cinder listing each time; 0 "
          "turns the census off)");

namespace byok {
namespace {

// Rewrites "--cloud-config=x" to "--cloud_config=x"; values are left alone.
std::vector<char*> NormalizeDashes(int argc, char** argv, std::vector<std::string>* storage) {
  storage->reserve(argc);
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && arg.rfind("--", 0) == 0) {
      size_t end = arg.find('=');
      for (size_t j = 2; j < std::min(end, arg.size()); ++j) {
        if (arg[j] == '-') arg[j] = '_';
      }
    }
    storage->push_back(std::move(arg));
  }
  for (std::string& s : *storage) out.push_back(s.data());
  return out;
}

}  // namespace

absl::StatusOr<Options> ParseOptions(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "CSI driver for OpenStack Cinder volumes encrypted with the tenant's own Barbican key.\n"
      "Usage: cinder-byok-csi --mode=controller|node|all --endpoint=unix:///csi/csi.sock "
      "--cloud-config=/etc/config/cloud.conf");
  std::vector<std::string> storage;
  std::vector<char*> args = NormalizeDashes(argc, argv, &storage);
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (rest.size() > 1) {
    return absl::InvalidArgumentError(
        StrCat("unexpected argument '", rest[1], "' (flags take the form --name=value)"));
  }

  Options options;
  options.endpoint = absl::GetFlag(FLAGS_endpoint);
  std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "controller") {
    options.mode = Mode::kController;
  } else if (mode == "node") {
    options.mode = Mode::kNode;
  } else if (mode == "all") {
    options.mode = Mode::kAll;
  } else {
    return absl::InvalidArgumentError(StrCat("--mode=", mode, ": must be controller, node or all"));
  }
  options.cloud_config = absl::GetFlag(FLAGS_cloud_config);
  options.node_id = absl::GetFlag(FLAGS_node_id);
  std::string format = absl::GetFlag(FLAGS_log_format);
  if (format == "text") {
    options.log_format = log::Format::kText;
  } else if (format == "json") {
    options.log_format = log::Format::kJson;
  } else {
    return absl::InvalidArgumentError(StrCat("--log-format=", format, ": must be text or json"));
  }
  options.verbosity = absl::GetFlag(FLAGS_v);
  if (options.verbosity < 0) return absl::InvalidArgumentError("--v must be 0 or more");
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.cluster = absl::GetFlag(FLAGS_cluster);
  if (options.cluster.empty()) return absl::InvalidArgumentError("--cluster must not be empty");
  options.volume_census_interval = absl::GetFlag(FLAGS_volume_census_interval);
  if (options.volume_census_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--volume-census-interval must not be negative");
  }
  if (options.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown-grace must not be negative");
  }
  return options;
}

}  // namespace byok
