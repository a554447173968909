#include "node/process_exec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace byok::node {
namespace {

using ::testing::HasSubstr;

TEST(ProcessExecTest, CapturesOutputAndExitCode) {
  ProcessExec exec;
  auto r =
      exec.Run({"sh", "-c", "echo out; echo err >&2; exit 3"}, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_THAT(r->output, HasSubstr("out"));
  EXPECT_THAT(r->output, HasSubstr("err"));
}

TEST(ProcessExecTest, FixedEnvironmentNothingInherited) {
  setenv("BYOK_TEST_LEAK", "secret", 1);
  ProcessExec exec;
  auto r = exec.Run({"env"}, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->output, HasSubstr("PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
  EXPECT_THAT(r->output, ::testing::Not(HasSubstr("BYOK_TEST_LEAK")));
}

TEST(ProcessExecTest, StdinIsDevNull) {
  ProcessExec exec;
  auto r = exec.Run({"cat"}, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, "");
}

TEST(ProcessExecTest, KilledAtTheDeadline) {
  ProcessExec exec;
  absl::Time start = absl::Now();
  auto r = exec.Run({"sleep", "30"}, absl::Now() + absl::Milliseconds(200));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ProcessExecTest, ProgramsComeFromTheFixedSearchPathOnly) {
  ProcessExec exec;
  EXPECT_EQ(exec.Run({"no-such-tool-xyz"}, absl::Now() + absl::Seconds(1)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(exec.Run({"./relative"}, absl::Now() + absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProcessExecTest, OutputIsBounded) {
  ProcessExec::Options options;
  options.max_output_bytes = 100;
  ProcessExec exec(options);
  auto r = exec.Run({"sh", "-c", "yes | head -c 100000"}, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output.size(), 100u);
}

}  // namespace
}  // namespace byok::node
