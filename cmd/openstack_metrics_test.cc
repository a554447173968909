#include "cmd/openstack_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace byok {
namespace {

TEST(OpenStackCallMetricsTest, CountsByServiceEndpointAndStatus) {
  auto stats = std::make_shared<openstack::HttpStats>();
  stats->RecordRequest("cinder", "127.0.0.1:8776", "POST");
  stats->RecordAttempt("cinder", "127.0.0.1:8776", 503, /*is_retry=*/false);
  stats->RecordAttempt("cinder", "127.0.0.1:8776", 202, /*is_retry=*/true);
  stats->RecordRequest("barbican", "127.0.0.1:9311");
  stats->RecordAttempt("barbican", "127.0.0.1:9311", absl::UnavailableError("refused"), false);

  OpenStackCallMetrics metrics(stats);
  const std::string text = prometheus::TextSerializer().Serialize(metrics.Collect());
  for (
      const char* line : {
          R"(byok_openstack_requests_total{service="cinder",endpoint="127.0.0.1:8776",method="POST"} 1)",
          R"(byok_openstack_responses_total{service="cinder",endpoint="127.0.0.1:8776",code="503"} 1)",
          R"(byok_openstack_responses_total{service="cinder",endpoint="127.0.0.1:8776",code="202"} 1)",
          R"(byok_openstack_retries_total{service="cinder",endpoint="127.0.0.1:8776"} 1)",
          R"(byok_openstack_transport_errors_total{service="barbican",endpoint="127.0.0.1:9311"} 1)",
      }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace byok
