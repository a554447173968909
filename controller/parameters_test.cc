#include "controller/parameters.h"

#include <gtest/gtest.h>

namespace byok::controller {
namespace {

constexpr char kKey[] = "0b9a1c2e-3f4d-4e5f-8a6b-7c8d9e0f1a2b";

TEST(ParametersTest, DefaultsToEnvelopeWithKeyAndNoneWithout) {
  auto spec = ParseVolumeSpec({{"type", "luks"}}, kKey);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->mode, envelope::Mode::kEnvelope);
  EXPECT_EQ(spec->volume_type, "luks");
  EXPECT_EQ(spec->key_id, kKey);
  EXPECT_EQ(ParseVolumeSpec({}, {})->mode, envelope::Mode::kNone);
}

TEST(ParametersTest, SidecarKeysAcceptedAndRecorded) {
  auto spec = ParseVolumeSpec({{"csi.storage.k8s.io/pvc/name", "data"},
                               {"csi.storage.k8s.io/pvc/namespace", "team-a"},
                               {"csi.storage.k8s.io/pv/name", "pvc-1"},
                               {"csi.storage.k8s.io/fstype", "ext4"}},
                              {});
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->pvc_name, "data");
  EXPECT_EQ(spec->pvc_namespace, "team-a");
  EXPECT_EQ(spec->pv_name, "pvc-1");
}

TEST(ParametersTest, BadInputNamesTheProblem) {
  auto unknown = ParseVolumeSpec({{"tyep", "luks"}}, {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("\"tyep\""), absl::string_view::npos);

  auto none_with_key = ParseVolumeSpec({{"encryption", "none"}}, kKey);
  EXPECT_EQ(none_with_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none_with_key.status().message().find(kKey), absl::string_view::npos);

  auto missing_key = ParseVolumeSpec({{"encryption", "cinder"}}, {});
  EXPECT_EQ(missing_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing_key.status().message().find("keyID"), absl::string_view::npos);

  auto bad_mode = ParseVolumeSpec({{"encryption", "aes"}}, kKey);
  EXPECT_EQ(bad_mode.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace byok::controller
