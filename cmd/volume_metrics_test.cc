#include "cmd/volume_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "cloud/testing/fake_cloud_access.h"
#include "controller/controller_service.h"
#include "envelope/descriptor.h"

namespace byok {
namespace {

std::string Scrape(const VolumeMetrics& metrics) {
  return prometheus::TextSerializer().Serialize(metrics.Collect());
}

TEST(VolumeMetricsTest, NothingBeforeTheFirstCensusThenCountsByMode) {
  cloud::testing::FakeCloudAccess cloud;
  auto census = std::make_shared<controller::VolumeCensus>(&cloud, "ours");
  VolumeMetrics metrics(census);
  EXPECT_EQ(Scrape(metrics), "");

  openstack::Volume v;
  v.status = "available";
  envelope::Descriptor d{.mode = envelope::Mode::kCinder,
                         .key_id = "0c7f0bdb-5b52-4d5e-9f32-5a4c1a53d5b1"};
  v.metadata = envelope::ToMetadata(d);
  v.metadata[controller::kMetaCluster] = "ours";
  cloud.cinder->InsertVolume(v);
  ASSERT_TRUE(census->Refresh(absl::Now() + absl::Seconds(10)).ok());

  const std::string text = Scrape(metrics);
  for (const char* line : {
           R"(byok_volumes{encryption="envelope"} 0)",
           R"(byok_volumes{encryption="cinder"} 1)",
           R"(byok_volumes{encryption="none"} 0)",
           R"(byok_volumes{encryption="unknown"} 0)",
           "byok_volume_census_timestamp_seconds ",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace byok
