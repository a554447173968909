#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace byok::openstack {

struct CatalogEndpoint {
  std::string interface;  // public, internal, admin
  std::string region_id;
  std::string url;
};

struct CatalogService {
  std::string type;  // block-storage, volumev3, compute, key-manager, identity
  std::string name;
  std::vector<CatalogEndpoint> endpoints;
};

// The service catalog of a Keystone v3 token.
class ServiceCatalog {
 public:
  ServiceCatalog() = default;
  explicit ServiceCatalog(std::vector<CatalogService> services) : services_(std::move(services)) {}

  // From token.catalog; absent or malformed entries are skipped.
  static ServiceCatalog FromJson(const nlohmann::json& catalog);

  // The URL for a service type: the first service whose type matches, then the endpoint
  // with `interface`, and `region` when it is non-empty. Older clouds register Cinder v3
  // as "volumev3" (and some as "volume"); those are tried when asking for
  // "block-storage". NotFound names what was missing and what the catalog had.
  absl::StatusOr<std::string> EndpointFor(std::string_view type, std::string_view interface,
                                          std::string_view region) const;

  const std::vector<CatalogService>& services() const { return services_; }

 private:
  std::vector<CatalogService> services_;
};

}  // namespace byok::openstack
