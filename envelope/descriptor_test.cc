#include "envelope/descriptor.h"

#include <gtest/gtest.h>

namespace byok::envelope {
namespace {

constexpr char kKeyId[] = "0b9a1c2e-3f4d-4e5f-8a6b-7c8d9e0f1a2b";

TEST(DescriptorTest, EnvelopeRoundTrip) {
  Descriptor d{Mode::kEnvelope, kKeyId, "d3JhcHBlZA==", LuksState::kPending};
  auto meta = ToMetadata(d);
  EXPECT_EQ(meta.at(kMetaMode), "envelope");
  EXPECT_EQ(meta.at(kMetaLuks), "pending");
  for (const auto& [k, v] : meta) EXPECT_LE(v.size(), 255u) << k;
  auto back = FromMetadata(meta);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->mode, Mode::kEnvelope);
  EXPECT_EQ(back->key_id, kKeyId);
  EXPECT_EQ(back->wrapped_dek, "d3JhcHBlZA==");
  meta[kMetaLuks] = "formatted";
  EXPECT_EQ(FromMetadata(meta)->luks_state, LuksState::kFormatted);
}

TEST(DescriptorTest, PlainVolumesHaveNoEntries) {
  EXPECT_TRUE(ToMetadata(Descriptor{}).empty());
  auto back = FromMetadata({{"csi.storage.k8s.io/pvc/name", "data"}});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mode, Mode::kNone);
}

TEST(DescriptorTest, InconsistentMetadataIsDataLoss) {
  Descriptor d{Mode::kEnvelope, kKeyId, "x", LuksState::kPending};
  auto meta = ToMetadata(d);
  meta.erase(kMetaWrappedDek);
  EXPECT_EQ(FromMetadata(meta).status().code(), absl::StatusCode::kDataLoss);
  meta = ToMetadata(d);
  meta[kMetaFormat] = "9";
  EXPECT_EQ(FromMetadata(meta).status().code(), absl::StatusCode::kDataLoss);
  meta = ToMetadata(d);
  meta[kMetaKeyId] = "not-a-uuid";
  EXPECT_EQ(FromMetadata(meta).status().code(), absl::StatusCode::kDataLoss);
}

TEST(DescriptorTest, CinderModeNeedsNoWrappedKey) {
  auto meta = ToMetadata(Descriptor{Mode::kCinder, kKeyId, "", LuksState::kPending});
  EXPECT_FALSE(meta.contains(kMetaWrappedDek));
  EXPECT_EQ(FromMetadata(meta)->mode, Mode::kCinder);
}

TEST(DescriptorTest, Uuid) {
  EXPECT_TRUE(IsUuid(kKeyId));
  EXPECT_FALSE(IsUuid("0b9a1c2e3f4d4e5f8a6b7c8d9e0f1a2b"));
  EXPECT_FALSE(IsUuid("0b9a1c2e-3f4d-4e5f-8a6b-7c8d9e0f1a2g"));
}

}  // namespace
}  // namespace byok::envelope
