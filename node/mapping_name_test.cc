#include "node/mapping_name.h"

#include <gtest/gtest.h>

namespace byok::node {
namespace {

TEST(MappingNameTest, UuidVolumeIds) {
  EXPECT_EQ(MappingName("1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
            "byok-1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  EXPECT_EQ(MapperPath("byok-x"), "/dev/mapper/byok-x");
}

TEST(MappingNameTest, UnsafeIdsAreHashedStablyAndDistinctly) {
  std::string a = MappingName("a/../b");
  EXPECT_EQ(a.rfind("byok-h", 0), 0u);
  EXPECT_EQ(a.size(), 6u + 32u);
  EXPECT_EQ(a, MappingName("a/../b"));
  EXPECT_NE(a, MappingName("a/../c"));
  EXPECT_EQ(MappingName(std::string(200, 'x')).size(), 38u);
  EXPECT_EQ(MappingName(".hidden").rfind("byok-h", 0), 0u);
}

}  // namespace
}  // namespace byok::node
