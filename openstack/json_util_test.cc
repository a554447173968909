#include "openstack/json_util.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace byok::openstack::json {
namespace {

// Found by fuzz_cinder_json: a float far outside int64's range used to be cast directly, which
// is undefined behaviour.
TEST(JsonIntTest, OutOfRangeNumbersFallBackToDefault) {
  const auto doc = nlohmann::json::parse(
      R"({"huge": 5.2e85, "tiny": -1e300, "big_unsigned": 18446744073709551615,
          "max": 9223372036854775807, "min": -9223372036854775808, "float": 41.9,
          "quoted": "12", "quoted_junk": "12x"})");
  EXPECT_EQ(Int(doc, "huge", -7), -7);
  EXPECT_EQ(Int(doc, "tiny", -7), -7);
  EXPECT_EQ(Int(doc, "big_unsigned", -7), -7);
  EXPECT_EQ(Int(doc, "max", -7), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Int(doc, "min", -7), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Int(doc, "float", -7), 41);
  EXPECT_EQ(Int(doc, "quoted", -7), 12);
  EXPECT_EQ(Int(doc, "quoted_junk", -7), -7);
  EXPECT_EQ(Int(doc, "absent", -7), -7);
}

}  // namespace
}  // namespace byok::openstack::json
