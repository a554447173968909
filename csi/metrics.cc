#include "csi/metrics.h"

#include <exception>

#include "common/strings.h"

namespace byok::csi {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  rpc_total_ = &prometheus::BuildCounter()
                    .Name("csi_rpc_total")
                    .Help("CSI RPCs handled, by method and gRPC status code")
                    .Register(*registry_);
  rpc_seconds_ = &prometheus::BuildHistogram()
                      .Name("csi_rpc_duration_seconds")
                      .Help("Time spent handling CSI RPCs, by method")
                      .Register(*registry_);
  backend_up_ = &prometheus::BuildGauge()
                     .Name("byok_backend_up")
                     .Help(
                         "1 while the backend the driver needs answers (checked in the "
                         "background), else 0; Probe stays ready either way")
                     .Register(*registry_);
}

void Metrics::SetBackendUp(std::string_view backend, bool up) {
  backend_up_->Add({{"backend", std::string(backend)}}).Set(up ? 1 : 0);
}

void Metrics::ObserveRpc(std::string_view method, std::string_view code, double seconds) {
  rpc_total_->Add({{"method", std::string(method)}, {"code", std::string(code)}}).Increment();
  // Storage RPCs range from milliseconds (Probe) to minutes (a LUKS format of a big volume).
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  rpc_seconds_->Add({{"method", std::string(method)}}, kBuckets).Observe(seconds);
}

void Metrics::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  if (exposer_) exposer_->RegisterCollectable(collectable);
  collectables_.push_back(std::move(collectable));
}

absl::Status Metrics::Serve(const std::string& address) {
  std::string bind = address;
  if (!bind.empty() && bind.front() == ':') bind = StrCat("0.0.0.0", bind);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(bind, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        StrCat("--metrics-address ", address, ": cannot listen: ", e.what()));
  }
  exposer_->RegisterCollectable(registry_);
  for (const auto& collectable : collectables_) exposer_->RegisterCollectable(collectable);
  return absl::OkStatus();
}

}  // namespace byok::csi
