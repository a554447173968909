#include "node/process_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/strings.h"
#include "node/os_errors.h"

namespace byok::node {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// waitpid that retries on EINTR; returns the wait status.
int Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

absl::StatusOr<std::string> ProcessExec::Resolve(const std::string& program) const {
  if (program.empty()) return absl::InvalidArgumentError("empty program name");
  if (program.front() == '/') {
    if (access(program.c_str(), X_OK) == 0) return program;
    return absl::NotFoundError(StrCat(program, " is not an executable"));
  }
  if (Contains(program, "/")) {
    return absl::InvalidArgumentError(StrCat("relative program path ", program));
  }
  for (const std::string& dir : options_.search_path) {
    std::string candidate = StrCat(dir, "/", program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(
      StrCat(program, " is not installed (looked in the fixed search path)"));
}

absl::StatusOr<ExecResult> ProcessExec::Run(const std::vector<std::string>& argv,
                                            absl::Time deadline) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  absl::StatusOr<std::string> path = Resolve(argv[0]);
  if (!path.ok()) return path.status();

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    int err = errno;
    return ErrnoStatus(err, "pipe2", absl::StatusCode::kInternal, {});
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Children start with default signal dispositions and an empty mask (the server blocks
  // SIGTERM/SIGINT in all its threads).
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> c_argv;
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const std::string& e : options_.environment) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, path->c_str(), &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  write_end.Reset();
  if (rc != 0)
    return ErrnoStatus(rc, StrCat("cannot run ", *path), absl::StatusCode::kInternal, {});

  ExecResult result;
  bool timed_out = false;
  char buf[4096];
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      timed_out = true;
      break;
    }
    int timeout_ms = static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1000));
    pollfd pfd{read_end.get(), POLLIN, 0};
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) continue;
    ssize_t got = read(read_end.get(), buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child (and anything it spawned) closed the pipe
    size_t room =
        options_.max_output_bytes - std::min(options_.max_output_bytes, result.output.size());
    result.output.append(buf, std::min(room, static_cast<size_t>(got)));
  }
  if (timed_out) {
    kill(pid, SIGKILL);
    Reap(pid);
    return absl::DeadlineExceededError(
        StrCat(argv[0], " did not finish before the call's deadline; killed"));
  }
  int status = Reap(pid);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

}  // namespace byok::node
