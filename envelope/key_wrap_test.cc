#include "envelope/key_wrap.h"

#include <gtest/gtest.h>

namespace byok::envelope {
namespace {

SecureBytes Key(char fill) { return SecureBytes::FromView(std::string(32, fill)); }
const WrapContext kContext{"pvc-1234", "0b9a1c2e-3f4d-4e5f-8a6b-7c8d9e0f1a2b"};

TEST(KeyWrapTest, RoundTrip) {
  auto dek = GenerateDek();
  ASSERT_TRUE(dek.ok());
  ASSERT_EQ(dek->size(), kDekBytes);
  auto wrapped = WrapDek(Key('k'), *dek, kContext);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(wrapped->size(), 84u);
  auto back = UnwrapDek(Key('k'), *wrapped, kContext);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->ConstantTimeEquals(*dek));
}

TEST(KeyWrapTest, FreshNonceEachTime) {
  auto dek = GenerateDek();
  EXPECT_NE(*WrapDek(Key('k'), *dek, kContext), *WrapDek(Key('k'), *dek, kContext));
}

TEST(KeyWrapTest, WrongKeyOrContextIsPermissionDenied) {
  auto dek = GenerateDek();
  auto wrapped = WrapDek(Key('k'), *dek, kContext);
  EXPECT_EQ(UnwrapDek(Key('x'), *wrapped, kContext).status().code(),
            absl::StatusCode::kPermissionDenied);
  WrapContext other_volume = kContext;
  other_volume.volume_name = "pvc-9999";
  EXPECT_EQ(UnwrapDek(Key('k'), *wrapped, other_volume).status().code(),
            absl::StatusCode::kPermissionDenied);
  WrapContext other_key = kContext;
  other_key.key_id = "1b9a1c2e-3f4d-4e5f-8a6b-7c8d9e0f1a2b";
  EXPECT_EQ(UnwrapDek(Key('k'), *wrapped, other_key).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(KeyWrapTest, TamperedOrMalformedInput) {
  auto dek = GenerateDek();
  std::string wrapped = *WrapDek(Key('k'), *dek, kContext);
  std::string tampered = wrapped;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  EXPECT_EQ(UnwrapDek(Key('k'), tampered, kContext).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(UnwrapDek(Key('k'), "short", kContext).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnwrapDek(Key('k'), std::string(84, '!'), kContext).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Found by fuzz_unwrap_dek: a short base64 text padded out with '=' to the right length.
  std::string padded = "AtaglYWxseSBubUQgYSB";
  padded.resize(84, '=');
  EXPECT_EQ(UnwrapDek(Key('k'), padded, kContext).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnwrapDek(Key('k'), std::string(84, '='), kContext).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(KeyWrapTest, KekMustBe256Bits) {
  auto dek = GenerateDek();
  EXPECT_EQ(WrapDek(SecureBytes::FromView("short"), *dek, kContext).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace byok::envelope
