#include "openstack/url.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace byok::openstack {
namespace {

TEST(UrlTest, EncodeDecode) {
  EXPECT_EQ(UrlEncode("a b/c?d=e&f~g.h_i-j"), "a%20b%2Fc%3Fd%3De%26f~g.h_i-j");
  EXPECT_EQ(UrlDecode("a%20b%2Fc+d%zz"), "a b/c d%zz");
}

TEST(UrlTest, JoinHostOrigin) {
  EXPECT_EQ(JoinUrl("http://h/v3/p/", "/volumes"), "http://h/v3/p/volumes");
  EXPECT_EQ(JoinUrl("http://h", ""), "http://h");
  EXPECT_EQ(UrlHost("https://user:pw@h.example:8776/v3?x=1"), "h.example:8776");
  EXPECT_EQ(UrlOrigin("https://user:pw@h.example:8776/v3"), "https://h.example:8776");
  EXPECT_EQ(UrlHost("http://h"), "h");
}

TEST(UrlTest, RedactsUserInfoAndQueryValues) {
  EXPECT_EQ(RedactUrl("https://u:secret@h/v3/volumes/detail?limit=5&marker=abc&name=x#frag"),
            "https://h/v3/volumes/detail?limit=...&marker=...&name=...");
  EXPECT_EQ(RedactUrl("http://h:9311/v1/secrets/x"), "http://h:9311/v1/secrets/x");
}

TEST(UrlTest, QueryParamAndLastSegment) {
  EXPECT_EQ(QueryParam("http://h/v?limit=2&marker=a%2Db", "marker"), "a-b");
  EXPECT_EQ(QueryParam("http://h/v?limit=2", "marker"), std::nullopt);
  EXPECT_EQ(LastPathSegment("http://h/v1/secrets/abc/?x=1"), "abc");
  EXPECT_EQ(LastPathSegment("abc"), "abc");
}

// Found by review: UrlEncode leaves "." and ".." unchanged (they are unreserved characters),
// so "volumes/" + UrlEncode("..") addressed the volume collection.
TEST(UrlTest, PathSegmentRefusesWhatIsNotOneSegment) {
  EXPECT_EQ(UrlEncode(".."), "..");  // why UrlEncode alone is not enough for paths
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "..", "../x", "x/..", "a/b", "a\\b", "%2e%2e/", "v\n1", std::string("v\0", 2),
           "\x7f", std::string(kMaxPathSegment + 1, 'a')}) {
    absl::StatusOr<std::string> segment = PathSegment(bad, "volume id");
    ASSERT_FALSE(segment.ok()) << *segment;
    EXPECT_EQ(segment.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(segment.status().message()),
                ::testing::StartsWith("volume id \"" + PrintablePrefix(bad) + "\""));
  }
  EXPECT_THAT(std::string(PathSegment("..", "server id").status().message()),
              ::testing::StartsWith(R"(server id ".." (2 bytes) cannot be a URL path segment)"));
}

TEST(UrlTest, PathSegmentEncodesOrdinaryIds) {
  EXPECT_EQ(*PathSegment("6edbc2f4-1507-44f8-ac0d-eed1d2608d38", "volume id"),
            "6edbc2f4-1507-44f8-ac0d-eed1d2608d38");
  EXPECT_EQ(*PathSegment("...", "x"), "...");  // not a dot segment
  EXPECT_EQ(*PathSegment(".hidden", "x"), ".hidden");
  EXPECT_EQ(*PathSegment("luks type?#%", "volume type"), "luks%20type%3F%23%25");
  EXPECT_EQ(*PathSegment("\xc3\xa9", "x"), "%C3%A9");  // UTF-8 names are fine
  EXPECT_EQ(*PathSegment(std::string(kMaxPathSegment, 'a'), "x"),
            std::string(kMaxPathSegment, 'a'));
}

// A refused value is quoted only as a bounded, printable prefix.
TEST(UrlTest, RefusedValueIsNotEchoedInFull) {
  const std::string hostile = "../" + std::string(100000, 'x') + "\x1b[31m\n";
  absl::Status s = PathSegment(hostile, "volume id").status();
  EXPECT_LT(s.message().size(), 200u);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("(100009 bytes)"));
  EXPECT_EQ(std::string(s.message()).find_first_of("\x1b\n"), std::string::npos);
  EXPECT_EQ(PrintablePrefix("ab\"c\x01\xff", 10), "ab?c??");
  EXPECT_EQ(PrintablePrefix("abcdef", 3), "abc...");
  EXPECT_EQ(PrintablePrefix("", 3), "");
}

}  // namespace
}  // namespace byok::openstack
