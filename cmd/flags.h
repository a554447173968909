#pragma once

#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/log.h"

ABSL_DECLARE_FLAG(std::string, endpoint);
ABSL_DECLARE_FLAG(std::string, mode);
ABSL_DECLARE_FLAG(std::string, cloud_config);
ABSL_DECLARE_FLAG(std::string, node_id);
ABSL_DECLARE_FLAG(std::string, log_format);
ABSL_DECLARE_FLAG(int, v);
ABSL_DECLARE_FLAG(std::string, metrics_address);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);
ABSL_DECLARE_FLAG(std::string, cluster);
ABSL_DECLARE_FLAG(absl::Duration, volume_census_interval);

namespace byok {

enum class Mode { kController, kNode, kAll };

struct Options {
  std::string endpoint;
  Mode mode = Mode::kAll;
  bool runs_controller() const { return mode != Mode::kNode; }
  bool runs_node() const { return mode != Mode::kController; }
  std::string cloud_config;
  std::string node_id;
  log::Format log_format = log::Format::kText;
  int verbosity = 0;
  std::string metrics_address;
  absl::Duration shutdown_grace;
  std::string cluster;
  absl::Duration volume_census_interval;  // zero: no census
};

// Parses argv (exits on --help) and validates flag values; errors name the flag.
absl::StatusOr<Options> ParseOptions(int argc, char** argv);

}  // namespace byok
