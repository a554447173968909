#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace byok::csi {

// Prometheus metrics of the driver, served in the text exposition format on
// --metrics-address. Other parts register their own families on registry().
class Metrics {
 public:
  Metrics();
  prometheus::Registry& registry() { return *registry_; }

  void ObserveRpc(std::string_view method, std::string_view code, double seconds);
  // byok_backend_up{backend}: 1 while csi::BackendMonitor finds `backend` reachable, else 0.
  void SetBackendUp(std::string_view backend, bool up);
  // Adds metrics computed at each scrape (e.g. from counters kept elsewhere); kept alive here.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // Starts the HTTP exposer on "host:port" (":port" means all interfaces).
  absl::Status Serve(const std::string& address);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* rpc_total_;
  prometheus::Family<prometheus::Histogram>* rpc_seconds_;
  prometheus::Family<prometheus::Gauge>* backend_up_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace byok::csi
