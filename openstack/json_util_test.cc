#include "openstack/json_util.h"

#include <cstdint>
#include <limits>
#include <string>

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

std::string NestedArrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// Found by review: a hostile service may nest JSON arbitrarily deep, and nlohmann's dump(),
// copies and comparisons recurse once per level. Parse refuses such a body up front.
TEST(JsonParseTest, RefusesBodiesNestedDeeperThan64Levels) {
  absl::StatusOr<nlohmann::json> doc = Parse(NestedArrays(100000), "cinder: list volumes");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message(), "cinder: list volumes: response nested deeper than 64 levels");

  // Objects count too, and so does a body that is cut off (the parser fails only at its end).
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  EXPECT_EQ(Parse(objects, "nova: get server").status().message(),
            "nova: get server: response nested deeper than 64 levels");
  EXPECT_FALSE(Parse(R"({"a": [)" + NestedArrays(63) + "]}", "keystone: token").ok());

  // The bound itself is fine.
  EXPECT_TRUE(Parse(NestedArrays(kMaxDepth), "x").ok());
  EXPECT_FALSE(Parse(NestedArrays(kMaxDepth + 1), "x").ok());
  EXPECT_TRUE(Parse(R"({"a": [)" + NestedArrays(62) + "]}", "x").ok());
}

TEST(JsonParseTest, ParsesNormalBodies) {
  // Brackets inside strings (escaped quotes included) are not nesting.
  const std::string brackets = std::string(1000, '[') + R"(\"{{{)";
  absl::StatusOr<nlohmann::json> doc =
      Parse(R"({"volume": {"id": "v1", "size": 2, "metadata": {"a": ")" + brackets + R"("}}})",
            "cinder: get volume v1");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const nlohmann::json* volume = Find(*doc, "volume");
  ASSERT_NE(volume, nullptr);
  EXPECT_EQ(String(*volume, "id"), "v1");
  EXPECT_EQ(Int(*volume, "size"), 2);
  EXPECT_EQ(StringMap(*volume, "metadata").at("a"), std::string(1000, '[') + R"("{{{)");
  EXPECT_TRUE(Parse("[]", "x").ok());
  EXPECT_TRUE(Parse("\"]]]\"", "x").ok());

  absl::Status bad = Parse("{not json", "cinder: get volume v1").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "cinder: get volume v1: response is not valid JSON (9 bytes)");
}

// StringMap flattens non-string values with dump(), which recurses once per level: a value
// nested deeper than kMaxDepth is left out (documents that did not come through Parse, such
// as fakes' or those built in code, are not bounded by it).
TEST(JsonStringMapTest, LeavesOutValuesNestedDeeperThanTheBound) {
  nlohmann::json doc = nlohmann::json::parse(R"({"m": {"a": "1", "n": [1, {"b": 2}]}})");
  doc["m"]["edge"] = nlohmann::json::parse(NestedArrays(kMaxDepth));
  doc["m"]["deep"] = nlohmann::json::parse(NestedArrays(kMaxDepth + 1));
  std::map<std::string, std::string> m = StringMap(doc, "m");
  EXPECT_EQ(m.at("a"), "1");
  EXPECT_EQ(m.at("n"), R"([1,{"b":2}])");
  EXPECT_EQ(m.at("edge"), NestedArrays(kMaxDepth));
  EXPECT_EQ(m.count("deep"), 0u);
}

TEST(JsonStringMapTest, HugelyNestedValueDoesNotExhaustTheStack) {
  // nlohmann's parser and destructor are iterative; dump() is not.
  nlohmann::json doc = nlohmann::json::parse(R"({"m": {"a": "1"}})");
  doc["m"]["deep"] = nlohmann::json::parse(NestedArrays(100000));
  std::map<std::string, std::string> m = StringMap(doc, "m");
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.count("deep"), 0u);
}

}  // namespace
}  // namespace byok::openstack::json
