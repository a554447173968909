#include "common/strings.h"

#include <gtest/gtest.h>

namespace byok {
namespace {

TEST(StringsTest, StrCatMixesTypes) {
  std::string_view sv = "view";
  EXPECT_EQ(StrCat("a", sv, std::string("s"), 42, '-', -7L, true, absl::string_view("x")),
            "aviews42--7truex");
}

TEST(StringsTest, StripLowerSplit) {
  EXPECT_EQ(StripWhitespace("  a b \t\n"), "a b");
  EXPECT_EQ(ToLower("AbC"), "abc");
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "b");
}

}  // namespace
}  // namespace byok
