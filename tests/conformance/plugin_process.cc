#include "tests/conformance/plugin_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "csi/csi.pb.h"

namespace byok::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  // The test runner may block signals; the child must receive SIGTERM normally.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  _exit(127);
}

int WaitFor(pid_t pid, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return -1;
}

// Unless `args` name a cloud.conf, adds one for a cloud nobody answers for: enough for
// everything that must work without a cloud.
void AddUnreachableCloudConfig(const std::string& dir, std::vector<std::string>* args) {
  for (const std::string& a : *args) {
    if (StartsWith(a, "--cloud-config")) return;
  }
  std::string config = dir + "/cloud.conf";
  std::ofstream(config) << "[Global]\nauth-url=http://127.0.0.1:9/v3\nusername=csi\n"
                           "password=unused\nuser-domain-name=Default\n"
                           "tenant-name=none\ndomain-name=Default\n";
  args->push_back("--cloud-config=" + config);
}

}  // namespace

std::string PluginBinary() {
  const char* path = std::getenv("BYOK_PLUGIN_BINARY");
  return path != nullptr ? path : "cinder-byok-csi";
}

absl::StatusOr<std::unique_ptr<PluginProcess>> PluginProcess::Start(std::vector<std::string> args,
                                                                    absl::Duration timeout) {
  auto process = std::unique_ptr<PluginProcess>(new PluginProcess());
  std::string templ = (std::filesystem::temp_directory_path() / "byok-plugin-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  process->dir_ = templ;
  process->socket_path_ = templ + "/csi.sock";
  process->endpoint_ = "unix://" + process->socket_path_;
  process->log_path_ = templ + "/plugin.log";
  AddUnreachableCloudConfig(templ, &args);
  args.insert(args.begin(), PluginBinary());
  args.push_back("--endpoint=" + process->endpoint_);
  process->pid_ = Spawn(args, process->log_path_);

  auto client = csi::Client::Connect(process->endpoint_);
  if (!client.ok()) return client.status();
  process->client_.emplace(*std::move(client));
  absl::Time deadline = absl::Now() + timeout;
  const auto* probe = csi::Client::FindMethod("Identity.GetPluginInfo");
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(process->pid_, &status, WNOHANG) == process->pid_) {
      process->pid_ = -1;
      return absl::FailedPreconditionError(
          StrCat("plugin exited during start-up: ", process->Log()));
    }
    ::csi::v1::GetPluginInfoResponse response;
    if (std::filesystem::exists(process->socket_path_) &&
        process->client_
            ->Call(probe, ::csi::v1::GetPluginInfoRequest(), &response, absl::Seconds(2))
            .ok()) {
      return process;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      StrCat("plugin did not serve within ", absl::FormatDuration(timeout), ": ", process->Log()));
}

PluginProcess::~PluginProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PluginProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int PluginProcess::StopWith(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = WaitFor(pid_, timeout);
  if (status != -1) pid_ = -1;
  return status;
}

RunResult RunPlugin(const std::vector<std::string>& args, absl::Duration timeout) {
  std::string templ = (std::filesystem::temp_directory_path() / "byok-run-XXXXXX").string();
  mkdtemp(templ.data());
  std::string log_path = templ + "/out.log";
  std::vector<std::string> full = args;
  AddUnreachableCloudConfig(templ, &full);
  full.insert(full.begin(), PluginBinary());
  pid_t pid = Spawn(full, log_path);
  RunResult result;
  int status = WaitFor(pid, timeout);
  if (status == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  std::ifstream in(log_path);
  std::stringstream ss;
  ss << in.rdbuf();
  result.output = ss.str();
  std::filesystem::remove_all(templ);
  return result;
}

int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) < 0) {
    close(fd);
    return "";
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

std::string WaitForMetric(int port, const std::string& sample, absl::Duration timeout) {
  absl::Time until = absl::Now() + timeout;
  std::string scrape;
  do {
    scrape = HttpGet(port, "/metrics");
    if (scrape.find(sample) != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < until);
  return scrape;
}

}  // namespace byok::testing
