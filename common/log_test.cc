#include "common/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace byok::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSinkForTest([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetSinkForTest(nullptr);
    Configure(Format::kText, 0);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, TextFormatQuotesValuesWithSpaces) {
  Configure(Format::kText, 0);
  Info("created volume", {{"volume_id", "abc"}, {"reason", "two words"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0][0], 'I');
  EXPECT_NE(lines_[0].find("created volume volume_id=abc reason=\"two words\"\n"),
            std::string::npos)
      << lines_[0];
}

TEST_F(LogTest, JsonFormatIsOneObjectPerLine) {
  Configure(Format::kJson, 0);
  Warning("slow", {{"method", "/csi.v1.Node/NodeStageVolume"}});
  ASSERT_EQ(lines_.size(), 1u);
  auto record = nlohmann::json::parse(lines_[0]);
  EXPECT_EQ(record["level"], "warning");
  EXPECT_EQ(record["msg"], "slow");
  EXPECT_EQ(record["method"], "/csi.v1.Node/NodeStageVolume");
}

TEST_F(LogTest, DebugHonoursVerbosity) {
  Configure(Format::kText, 2);
  Debug(2, "shown");
  Debug(3, "hidden");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("shown"), std::string::npos);
}

TEST_F(LogTest, NewlinesInValuesDoNotSplitRecords) {
  Configure(Format::kText, 0);
  Error("failed", {{"error", "line1\nline2"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find('\n'), lines_[0].size() - 1);
}

}  // namespace
}  // namespace byok::log
