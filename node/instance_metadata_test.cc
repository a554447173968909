#include "node/instance_metadata.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "openstack/testing/fake_http.h"

namespace byok::node {
namespace {

using openstack::HttpMethod;
using openstack::testing::FakeHttpClient;

constexpr char kMetaData[] =
    R"({"uuid": "2eb660fd-8d1a-48d2-8820-73b817cf3a00", "availability_zone": "az-2",
        "hostname": "node-1", "meta": {}})";

TEST(ParseMetaDataTest, UuidAndZone) {
  auto info = ParseMetaData(kMetaData);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->uuid, "2eb660fd-8d1a-48d2-8820-73b817cf3a00");
  EXPECT_EQ(info->availability_zone, "az-2");
  EXPECT_FALSE(ParseMetaData("{}").ok());
  EXPECT_FALSE(ParseMetaData("not json").ok());
  EXPECT_EQ(ParseMetaData(R"({"uuid":"u"})")->availability_zone, "");
}

TEST(MetadataServiceTest, UsesTheConfiguredUrl) {
  FakeHttpClient http;
  http.On(HttpMethod::kGet, "http://127.0.0.1:8775/openstack/latest/meta_data.json",
          {200, kMetaData});
  MetadataServiceMetadata service(&http, "http://127.0.0.1:8775/", absl::Seconds(2));
  auto info = service.Get(absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->availability_zone, "az-2");
  EXPECT_EQ(http.CountMatching(HttpMethod::kGet, "169.254.169.254"), 0);
}

TEST(MetadataServiceTest, HttpErrorIsUnavailable) {
  FakeHttpClient http;
  http.On(HttpMethod::kGet, "meta_data.json", {404, "nope"});
  MetadataServiceMetadata service(&http, "http://md", absl::Seconds(2));
  EXPECT_EQ(service.Get(absl::Now() + absl::Seconds(5)).status().code(),
            absl::StatusCode::kUnavailable);
}

class StaticMetadata : public InstanceMetadata {
 public:
  explicit StaticMetadata(absl::StatusOr<InstanceInfo> info) : info_(std::move(info)) {}
  absl::StatusOr<InstanceInfo> Get(absl::Time) override { return info_; }

 private:
  absl::StatusOr<InstanceInfo> info_;
};

TEST(ChainedMetadataTest, FirstAnswerWinsAndErrorsAreCollected) {
  std::vector<ChainedMetadata::Source> sources;
  sources.push_back(
      {"configDrive", std::make_unique<StaticMetadata>(absl::NotFoundError("no config-2"))});
  sources.push_back(
      {"metadataService", std::make_unique<StaticMetadata>(InstanceInfo{"uuid-1", "nova"})});
  ChainedMetadata chained(std::move(sources));
  EXPECT_EQ(chained.Get(absl::Now())->uuid, "uuid-1");

  std::vector<ChainedMetadata::Source> failing;
  failing.push_back(
      {"configDrive", std::make_unique<StaticMetadata>(absl::NotFoundError("no config-2"))});
  ChainedMetadata none(std::move(failing));
  auto info = none.Get(absl::Now());
  EXPECT_EQ(info.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(info.status().message(), ::testing::HasSubstr("configDrive: no config-2"));
}

}  // namespace
TEST(ParseMetaDataTest, DeeplyNestedMetaDataIsRefusedNotACrash) {
  std::string body =
      R"({"uuid": "u", "x": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(ParseMetaData(body).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace byok::node
