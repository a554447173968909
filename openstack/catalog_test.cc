#include "openstack/catalog.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/auth_options.h"
#include "openstack/testing/canned.h"

namespace byok::openstack {
namespace {

using ::testing::HasSubstr;

ServiceCatalog Canned() {
  nlohmann::json doc = nlohmann::json::parse(testing::kKeystoneTokenBody);
  return ServiceCatalog::FromJson(doc["token"]["catalog"]);
}

TEST(CatalogTest, ParsesServicesAndEndpoints) {
  ServiceCatalog c = Canned();
  ASSERT_EQ(c.services().size(), 4u);
  EXPECT_EQ(c.services()[1].type, "volumev3");
  EXPECT_EQ(c.services()[1].endpoints.size(), 3u);
  EXPECT_EQ(c.services()[1].endpoints[2].region_id, "RegionTwo");
}

TEST(CatalogTest, SelectsByTypeInterfaceAndRegion) {
  ServiceCatalog c = Canned();
  // block-storage falls back to volumev3 in older catalogs.
  EXPECT_EQ(*c.EndpointFor(kServiceBlockStorage, "public", "RegionOne"),
            "http://127.0.0.1:8776/v3/p-1");
  EXPECT_EQ(*c.EndpointFor(kServiceBlockStorage, "internal", "RegionOne"),
            "http://cinder.internal:8776/v3/p-1");
  EXPECT_EQ(*c.EndpointFor(kServiceBlockStorage, "public", "RegionTwo"),
            "http://cinder.two:8776/v3/p-1");
  // No region: the first public endpoint.
  EXPECT_EQ(*c.EndpointFor(kServiceBlockStorage, "public", ""), "http://127.0.0.1:8776/v3/p-1");
  EXPECT_EQ(*c.EndpointFor(kServiceKeyManager, "public", "RegionOne"), "http://127.0.0.1:9311");
  EXPECT_EQ(*c.EndpointFor(kServiceCompute, "public", "RegionOne"), "http://127.0.0.1:8774/v2.1");
}

TEST(CatalogTest, PrefersBlockStorageOverVolumev3) {
  ServiceCatalog c({{"volumev3", "cinderv3", {{"public", "R", "http://old"}}},
                    {"block-storage", "cinder", {{"public", "R", "http://new"}}}});
  EXPECT_EQ(*c.EndpointFor(kServiceBlockStorage, "public", "R"), "http://new");
}

TEST(CatalogTest, AMissingEndpointIsFailedPreconditionAndExplainsWhatExists) {
  ServiceCatalog c = Canned();
  absl::StatusOr<std::string> e = c.EndpointFor(kServiceCompute, "internal", "RegionOne");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr("no internal endpoint for compute in region RegionOne"));
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("compute/public/RegionOne"));
  e = c.EndpointFor("image", "public", "");
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("services: identity, volumev3"));
  e = c.EndpointFor(kServiceBlockStorage, "public", "RegionThree");
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace byok::openstack
