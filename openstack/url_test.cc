#include "openstack/url.h"

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

}  // namespace
}  // namespace byok::openstack
