#include "common/secure_bytes.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace byok {
namespace {

static_assert(!std::is_copy_constructible_v<SecureBytes>);
static_assert(!std::is_convertible_v<SecureBytes, std::string>);

TEST(SecureBytesTest, HoldsAndWipes) {
  SecureBytes key = SecureBytes::FromView("abc");
  ASSERT_EQ(key.size(), 3u);
  EXPECT_EQ(key.view(), "abc");
  key.Wipe();
  EXPECT_TRUE(key.empty());
}

TEST(SecureBytesTest, MoveLeavesSourceEmpty) {
  SecureBytes a = SecureBytes::FromView("secret");
  SecureBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): testing the moved-from state.
  EXPECT_EQ(b.view(), "secret");
}

TEST(SecureBytesTest, AppendGrows) {
  SecureBytes a;
  for (int i = 0; i < 100; ++i) a.Append("xy");
  EXPECT_EQ(a.size(), 200u);
  EXPECT_EQ(a.view().substr(0, 4), "xyxy");
}

TEST(SecureBytesTest, LowerHexMatchesOsBrickRule) {
  const uint8_t raw[] = {0x00, 0xab, 0xff, 0x10};
  SecureBytes key(raw, sizeof(raw));
  EXPECT_EQ(key.ToLowerHex().view(), "00abff10");
}

TEST(SecureBytesTest, ConstantTimeEquals) {
  EXPECT_TRUE(SecureBytes::FromView("k1").ConstantTimeEquals(SecureBytes::FromView("k1")));
  EXPECT_FALSE(SecureBytes::FromView("k1").ConstantTimeEquals(SecureBytes::FromView("k2")));
  EXPECT_FALSE(SecureBytes::FromView("k1").ConstantTimeEquals(SecureBytes::FromView("k10")));
}

}  // namespace
}  // namespace byok
