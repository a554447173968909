// The volume census against the real lab: a controller with its own cluster ID counts its
// envelope and plain volumes by mode in byok_volumes, off the scrape path, and the counts
// follow a delete.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/controller/controller_lab.h"

namespace byok::testing {
namespace {

class VolumeCensusLab : public ControllerLab {};

TEST_F(VolumeCensusLab, VolumesAreCountedByEncryptionMode) {
  const int port = FreeTcpPort();
  const std::string cluster = StrCat("lab-census-", absl::ToUnixMicros(absl::Now()));
  auto plugin = PluginProcess::Start(
      {"--mode=controller", "--cloud-config=" + Env("LAB_CLOUD_CONF"), "--cluster=" + cluster,
       StrCat("--metrics-address=127.0.0.1:", port), "--volume-census-interval=1s"},
      absl::Seconds(30));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  auto call = [&](std::string_view method, const auto& request, auto* response) {
    return (*plugin)->client().Call(csi::Client::FindMethod(method), request, response,
                                    absl::Seconds(120));
  };
  // Before any volume: a census of an empty cluster.
  std::string scrape =
      WaitForMetric(port, "byok_volumes{encryption=\"none\"} 0", absl::Seconds(30));
  EXPECT_NE(scrape.find("byok_volumes{encryption=\"envelope\"} 0"), std::string::npos) << scrape;

  const std::string key = StoreKey(demo_, 'c');
  ::csi::v1::CreateVolumeResponse envelope_volume;
  ::csi::v1::CreateVolumeResponse plain_volume;
  ASSERT_TRUE(call("CreateVolume", Request(cluster + "-envelope", key), &envelope_volume).ok());
  ASSERT_TRUE(call("CreateVolume", Request(cluster + "-plain", ""), &plain_volume).ok());

  scrape = WaitForMetric(port, "byok_volumes{encryption=\"envelope\"} 1", absl::Seconds(30));
  scrape = WaitForMetric(port, "byok_volumes{encryption=\"none\"} 1", absl::Seconds(30));
  EXPECT_NE(scrape.find("byok_volumes{encryption=\"envelope\"} 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("byok_volumes{encryption=\"cinder\"} 0"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("byok_volumes{encryption=\"unknown\"} 0"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("byok_volume_census_timestamp_seconds "), std::string::npos) << scrape;

  for (const auto* created : {&envelope_volume, &plain_volume}) {
    ::csi::v1::DeleteVolumeRequest del;
    del.set_volume_id(created->volume().volume_id());
    ::csi::v1::DeleteVolumeResponse deleted;
    EXPECT_TRUE(call("DeleteVolume", del, &deleted).ok());
  }
  scrape = WaitForMetric(port, "byok_volumes{encryption=\"envelope\"} 0", absl::Seconds(30));
  EXPECT_NE(scrape.find("byok_volumes{encryption=\"envelope\"} 0"), std::string::npos) << scrape;
  DeleteKey(demo_, key);
}

}  // namespace
}  // namespace byok::testing
