#include "common/ini.h"

#include <gtest/gtest.h>

namespace byok {
namespace {

TEST(IniTest, ParsesSectionsKeysQuotesAndComments) {
  auto doc = ParseIni(R"(
; comment
[Global]
auth-url = http://127.0.0.1:5000/v3
Password = "p;a#ss \"q\""   ; trailing comment
tls-insecure
[BlockStorage]
ignore-volume-az=true # comment
[Global "tenant-a"]
region=RegionTwo
)");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const IniSection* global = doc->Find("GLOBAL");
  ASSERT_NE(global, nullptr);
  EXPECT_EQ(global->Find("auth-url")->value, "http://127.0.0.1:5000/v3");
  EXPECT_EQ(global->Find("password")->value, "p;a#ss \"q\"");
  EXPECT_EQ(global->Find("tls-insecure")->value, "true");
  EXPECT_EQ(doc->Find("blockstorage")->Find("ignore-volume-az")->value, "true");
  const IniSection* tenant = doc->Find("global", "tenant-a");
  ASSERT_NE(tenant, nullptr);
  EXPECT_EQ(tenant->Find("region")->value, "RegionTwo");
}

TEST(IniTest, ErrorsNameTheLine) {
  auto doc = ParseIni("[Global]\nkey = \"unterminated\n");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseIni("key=value\n").ok());
  EXPECT_FALSE(ParseIni("[Global\n").ok());
}

}  // namespace
}  // namespace byok
