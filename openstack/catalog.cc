#include "openstack/catalog.h"

#include "absl/strings/str_join.h"
#include "openstack/absl_compat.h"
#include "openstack/auth_options.h"
#include "openstack/json_util.h"

namespace byok::openstack {
namespace {

std::vector<std::string_view> Aliases(std::string_view type) {
  if (type == kServiceBlockStorage) return {kServiceBlockStorage, "volumev3", "volume"};
  return {type};
}

}  // namespace

ServiceCatalog ServiceCatalog::FromJson(const nlohmann::json& catalog) {
  std::vector<CatalogService> services;
  if (!catalog.is_array()) return ServiceCatalog();
  for (const nlohmann::json& s : catalog) {
    if (!s.is_object()) continue;
    CatalogService service{json::String(s, "type"), json::String(s, "name"), {}};
    const nlohmann::json* endpoints = json::Find(s, "endpoints");
    if (endpoints != nullptr && endpoints->is_array()) {
      for (const nlohmann::json& e : *endpoints) {
        // "region_id" is current; "region" is the legacy copy of the same value.
        std::string region = json::String(e, "region_id", json::String(e, "region"));
        service.endpoints.push_back(
            {json::String(e, "interface"), std::move(region), json::String(e, "url")});
      }
    }
    services.push_back(std::move(service));
  }
  return ServiceCatalog(std::move(services));
}

absl::StatusOr<std::string> ServiceCatalog::EndpointFor(std::string_view type,
                                                        std::string_view interface,
                                                        std::string_view region) const {
  std::vector<std::string> seen;
  for (std::string_view alias : Aliases(type)) {
    for (const CatalogService& s : services_) {
      if (s.type != alias) continue;
      for (const CatalogEndpoint& e : s.endpoints) {
        seen.push_back(StrCat(s.type, "/", e.interface, "/", e.region_id));
        if (e.interface != interface) continue;
        if (!region.empty() && e.region_id != region) continue;
        if (e.url.empty()) continue;
        return e.url;
      }
    }
  }
  std::vector<std::string> types;
  for (const CatalogService& s : services_) types.push_back(s.type);
  // FailedPrecondition, never NotFound: callers read NotFound as "that volume is gone", and a
  // region a Secret names wrongly must not make a delete look done.
  return absl::FailedPreconditionError(
      StrCat("service catalog has no ", interface, " endpoint for ", type,
             region.empty() ? "" : StrCat(" in region ", region),
             seen.empty() ? StrCat(" (services: ", absl::StrJoin(types, ", "), ")")
                          : StrCat(" (endpoints: ", absl::StrJoin(seen, ", "), ")")));
}

}  // namespace byok::openstack
