#include "cmd/key_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "cloud/key_stats.h"

namespace byok {
namespace {

TEST(KeyMetricsTest, RotationsUnlockFailuresAndFetchLatency) {
  cloud::KeyStats& stats = cloud::KeyStats::Process();
  stats.CountRotation(true);
  stats.CountRotation(true);
  stats.CountRotation(false);
  stats.CountUnlockFailure(cloud::UnlockFailure::kKeyGone);
  stats.CountUnlockFailure(cloud::UnlockFailure::kBarbicanDown);
  stats.ObserveKeyFetch(absl::Milliseconds(30));
  stats.ObserveKeyFetch(absl::Seconds(3));

  const std::string text = prometheus::TextSerializer().Serialize(KeyMetrics().Collect());
  for (const char* line : {
           R"(byok_key_rotations_total{result="ok"} 2)",
           R"(byok_key_rotations_total{result="failed"} 1)",
           R"(byok_key_unlock_failures_total{reason="key_gone"} 1)",
           R"(byok_key_unlock_failures_total{reason="barbican_down"} 1)",
           R"(byok_key_unlock_failures_total{reason="wrong_key"} 0)",
           R"(byok_key_unlock_failures_total{reason="access_denied"} 0)",
           R"(byok_key_fetch_seconds_count 2)",
           R"(byok_key_fetch_seconds_bucket{le="0.01"} 0)",
           R"(byok_key_fetch_seconds_bucket{le="0.05"} 1)",
           R"(byok_key_fetch_seconds_bucket{le="2.5"} 1)",
           R"(byok_key_fetch_seconds_bucket{le="10"} 2)",
           R"(byok_key_fetch_seconds_bucket{le="+Inf"} 2)",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace byok
