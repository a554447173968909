// Secrets hygiene against the real lab (tests/lab): recognisable key bytes, passwords and
// application-credential secrets are planted, the controller lifecycle runs through the real
// binary at several verbosity levels, and none of them may appear in the driver's log, in
// the argv or environment of the driver or any process it starts (/proc/*/cmdline,
// /proc/*/environ), or in files under the plugin's directory or files it holds open. Also:
// TLS verification refuses a self-signed Keystone unless ca-file names its certificate.
//
// Skips itself without the lab environment (eval "$(tests/lab/up.sh DIR)" or . DIR/env.sh).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/strings.h"
#include "controller/controller_service.h"
#include "csi/csi.pb.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "tests/conformance/plugin_process.h"
#include "tests/integration/driver_lab/lab_driver.h"

namespace byok::testing {
namespace {

namespace fs = std::filesystem;
using ::csi::v1::VolumeCapability;

using lab::Env;

std::string ReadFile(const fs::path& path, size_t limit = 64 << 20) {
  std::ifstream in(path, std::ios::binary);
  std::string out;
  char buf[65536];
  while (in && out.size() < limit) {
    in.read(buf, sizeof(buf));
    out.append(buf, static_cast<size_t>(in.gcount()));
  }
  return out;
}

std::string Hex(std::string_view bytes, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(t[(n >> s) & 63]);
  }
  return out;  // whole groups only: a prefix of the real encoding, enough to search for
}

// A secret and the forms in which it could leak.
struct Planted {
  std::string label;
  std::vector<std::string> forms;
};

Planted Plant(std::string label, std::string_view secret) {
  Planted p{std::move(label), {std::string(secret)}};
  if (secret.size() >= 12) {
    p.forms.push_back(Hex(secret, false));
    p.forms.push_back(Hex(secret, true));
    p.forms.push_back(Base64(secret));
    p.forms.push_back(Base64(secret.substr(1)));
    p.forms.push_back(Base64(secret.substr(2)));
  }
  return p;
}

// Which planted secrets `text` contains ("label (form)"), for `where`.
std::vector<std::string> Leaks(const std::vector<Planted>& planted, std::string_view text,
                               std::string_view where) {
  std::vector<std::string> out;
  for (const Planted& p : planted) {
    for (size_t i = 0; i < p.forms.size(); ++i) {
      if (p.forms[i].size() >= 8 && text.find(p.forms[i]) != std::string_view::npos) {
        out.push_back(StrCat(p.label, " (form ", i, ") in ", where));
      }
    }
  }
  return out;
}

pid_t ParentOf(pid_t pid) {
  std::string stat = ReadFile(StrCat("/proc/", pid, "/stat"));
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 2));
  char state;
  pid_t ppid = -1;
  in >> state >> ppid;
  return ppid;
}

// The process and all its descendants, now.
std::set<pid_t> Tree(pid_t root) {
  std::map<pid_t, pid_t> parent;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    pid_t pid = std::atoi(name.c_str());
    parent[pid] = ParentOf(pid);
  }
  std::set<pid_t> tree = {root};
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& [pid, ppid] : parent) {
      if (tree.count(ppid) && !tree.count(pid)) {
        tree.insert(pid);
        grew = true;
      }
    }
  }
  return tree;
}

// Polls the argv and environment of the plugin and every descendant while a test runs
// (children may be short-lived), recording leaks and the commands seen.
class ProcessWatcher {
 public:
  ProcessWatcher(pid_t root, const std::vector<Planted>* planted)
      : root_(root), planted_(planted), thread_([this] { Loop(); }) {}
  ~ProcessWatcher() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> leaks() {
    std::lock_guard<std::mutex> l(mu_);
    return {leaks_.begin(), leaks_.end()};
  }
  std::set<std::string> commands() {
    std::lock_guard<std::mutex> l(mu_);
    return commands_;
  }
  int scans() const { return scans_; }

 private:
  void Loop() {
    while (!stop_) {
      for (pid_t pid : Tree(root_)) {
        std::string cmdline = ReadFile(StrCat("/proc/", pid, "/cmdline"));
        std::string environ = ReadFile(StrCat("/proc/", pid, "/environ"));
        std::lock_guard<std::mutex> l(mu_);
        std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
        commands_.insert(argv0);
        for (auto& leak : Leaks(*planted_, cmdline, StrCat("cmdline of ", pid, " ", argv0)))
          leaks_.insert(leak);
        for (auto& leak : Leaks(*planted_, environ, StrCat("environ of ", pid, " ", argv0)))
          leaks_.insert(leak);
      }
      ++scans_;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  const pid_t root_;
  const std::vector<Planted>* planted_;
  std::atomic<bool> stop_{false};
  std::atomic<int> scans_{0};
  std::mutex mu_;
  std::set<std::string> leaks_;
  std::set<std::string> commands_;
  std::thread thread_;
};

// Files under the plugin's directory and regular files it holds open.
// `tmpdir` is the TMPDIR the plugin was given.
std::vector<std::string> FileLeaks(const PluginProcess& plugin, const std::vector<Planted>& planted,
                                   const std::string& tmpdir) {
  std::vector<std::string> out;
  std::set<fs::path> files;
  std::error_code ec;
  for (const std::string& root : {plugin.dir(), tmpdir}) {
    for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
      if (e.is_regular_file()) files.insert(e.path());
    }
  }
  for (const auto& e : fs::directory_iterator(StrCat("/proc/", plugin.pid(), "/fd"), ec)) {
    fs::path target = fs::read_symlink(e.path(), ec);
    if (!ec && fs::is_regular_file(target, ec)) files.insert(target);
  }
  for (const fs::path& f : files) {
    for (auto& leak : Leaks(planted, ReadFile(f), f.string())) out.push_back(leak);
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) StrAppend(&out, "  ", s, "\n");
  return out;
}

template <typename Request, typename Response>
grpc::Status Call(const PluginProcess& plugin, std::string_view method, const Request& request,
                  Response* response, absl::Duration timeout = absl::Seconds(180)) {
  return plugin.client().Call(csi::Client::FindMethod(method), request, response, timeout);
}

bool WaitReady(const PluginProcess& plugin, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    ::csi::v1::ProbeRequest request;
    ::csi::v1::ProbeResponse response;
    if (Call(plugin, "Probe", request, &response, absl::Seconds(5)).ok() &&
        response.ready().value())
      return true;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return false;
}

class SecretsHygieneLab : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    if (Env("LAB_CLOUD_CONF").empty() || Env("LAB_APPCRED_SECRET").empty()) return;
    lab_ = true;
    auth_url_ = Env("OS_AUTH_URL");
    appcred_id_ = Env("LAB_APPCRED_ID");
    appcred_secret_ = Env("LAB_APPCRED_SECRET");
    password_ = Env("LAB_DEMO_PASSWORD");
    // The plugin inherits our environment: remove the lab's secrets from it, so that any
    // occurrence in a process's environment is one the driver put there.
    for (const char* name : {"OS_PASSWORD", "LAB_DEMO_PASSWORD", "LAB_ALT_PASSWORD",
                             "LAB_ADMIN_PASSWORD", "LAB_APPCRED_SECRET", "LAB_RABBIT_URL"})
      unsetenv(name);

    auto cloud = lab::ConnectAsDriver();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = cloud->release();
    const cloud::Clients* clients = &cloud_->clients;

    // The tenant key: 32 recognisable bytes.
    key_bytes_ = "HYGIENE-KEY-BYTES-7d41c0ffee5a11";
    ASSERT_EQ(key_bytes_.size(), 32u);
    auto id = lab::StoreKey(*clients, "byok-hygiene-test", key_bytes_);
    ASSERT_TRUE(id.ok()) << id.status();
    key_id_ = *id;

    planted_ = {Plant("tenant key bytes", key_bytes_),
                Plant("bogus app-credential secret", kBogusAppcredSecret),
                Plant("named-cloud password", kNamedCloudPassword)};
    if (password_.size() >= 8) planted_.push_back(Plant("driver password", password_));
    if (appcred_secret_.size() >= 8)
      planted_.push_back(Plant("tenant app-credential secret", appcred_secret_));
  }
  static void TearDownTestSuite() {
    if (cloud_ != nullptr && !key_id_.empty()) {
      (void)cloud_->clients.barbican->DeleteSecret(lab::Opts(), key_id_);
    }
    delete cloud_;
    cloud_ = nullptr;
  }
  void SetUp() override {
    if (!lab_) GTEST_SKIP() << "no lab: run with the environment of tests/lab/up.sh";
  }

  static ::csi::v1::CreateVolumeRequest CreateRequest(const std::string& name) {
    ::csi::v1::CreateVolumeRequest r;
    r.set_name(name);
    auto* cap = r.add_volume_capabilities();
    cap->mutable_mount()->set_fs_type("ext4");
    cap->mutable_access_mode()->set_mode(VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/name"] = name;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/namespace"] = "hygiene";
    (*r.mutable_secrets())["keyID"] = key_id_;
    return r;
  }
  static void TenantSecrets(google::protobuf::Map<std::string, std::string>* secrets,
                            const std::string& appcred_secret) {
    (*secrets)["auth-url"] = auth_url_;
    (*secrets)["application-credential-id"] = appcred_id_;
    (*secrets)["application-credential-secret"] = appcred_secret;
  }

  static constexpr char kBogusAppcredSecret[] = "HYGIENE-BOGUS-APPCRED-SECRET-5b8e21d9";
  static constexpr char kNamedCloudPassword[] = "HYGIENE-NAMED-CLOUD-PASSWORD-c3a9f02e";
  static inline bool lab_ = false;
  static inline std::string auth_url_, appcred_id_, appcred_secret_, password_;
  static inline std::string key_bytes_, key_id_;
  static inline std::vector<Planted> planted_;
  static inline lab::DriverCloud* cloud_ = nullptr;
};

// The controller lifecycle at --v=N: envelope volumes with the driver's identity (password
// in cloud.conf) and with tenant application credentials from the Secret, idempotent
// retries, a snapshot, failures with a wrong app-credential secret and with a named cloud
// whose password Keystone refuses, deletes. Nothing planted may leak anywhere.
TEST_P(SecretsHygieneLab, LifecycleLeaksNothing) {
  const int v = GetParam();
  std::string dir = StrCat(::testing::TempDir(), "/hygiene-conf-", getpid(), "-", v);
  fs::create_directories(dir);
  // The lab's cloud.conf plus a named cloud with a password Keystone will refuse.
  std::string conf = StrCat(dir, "/cloud.conf");
  {
    std::ofstream out(conf);
    out << ReadFile(Env("LAB_CLOUD_CONF")) << "\n[Global \"wrong\"]\nauth-url=" << auth_url_
        << "\nusername=demo\nuser-domain-name=Default\npassword=" << kNamedCloudPassword
        << "\nproject-name=demo\nproject-domain-name=Default\n";
  }
  // Temporary files the driver might write land where we look.
  std::string tmpdir = StrCat(dir, "/tmp");
  fs::create_directories(tmpdir);
  const std::string saved_tmpdir = Env("TMPDIR");
  setenv("TMPDIR", tmpdir.c_str(), 1);
  auto plugin = PluginProcess::Start(
      {"--mode=controller", "--cloud-config=" + conf, "--cluster=hygiene-test", StrCat("--v=", v)},
      absl::Seconds(60));
  if (saved_tmpdir.empty())
    unsetenv("TMPDIR");
  else
    setenv("TMPDIR", saved_tmpdir.c_str(), 1);
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  ProcessWatcher watcher((*plugin)->pid(), &planted_);
  ASSERT_TRUE(WaitReady(**plugin, absl::Seconds(60))) << (*plugin)->Log();

  std::vector<std::string> leaks;
  std::vector<std::string> created;
  auto check_error = [&](const grpc::Status& s, std::string_view what) {
    for (auto& l : Leaks(planted_, s.error_message(), StrCat("gRPC error of ", what)))
      leaks.push_back(l);
    for (auto& l : Leaks(planted_, s.error_details(), StrCat("gRPC details of ", what)))
      leaks.push_back(l);
  };
  std::string base = StrCat("hyg-", v, "-", absl::ToUnixMicros(absl::Now()));

  // 1. Driver identity.
  {
    auto r = CreateRequest(base + "-driver");
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status s = Call(**plugin, "CreateVolume", r, &out);
    check_error(s, "CreateVolume (driver identity)");
    ASSERT_TRUE(s.ok()) << s.error_message();
    created.push_back(out.volume().volume_id());
    // The DEK itself is a planted secret too, now that we know it.
    auto volume = cloud_->clients.cinder->GetVolume(lab::Opts(), out.volume().volume_id());
    ASSERT_TRUE(volume.ok()) << volume.status();
    auto descriptor = envelope::FromMetadata(volume->metadata);
    ASSERT_TRUE(descriptor.ok()) << descriptor.status();
    auto dek = envelope::UnwrapDek(SecureBytes::FromView(key_bytes_), descriptor->wrapped_dek,
                                   {r.name(), key_id_});
    ASSERT_TRUE(dek.ok()) << dek.status();
    planted_.push_back(Plant(StrCat("DEK of ", r.name()), dek->view()));
    // Idempotent retry.
    ::csi::v1::CreateVolumeResponse again;
    s = Call(**plugin, "CreateVolume", r, &again);
    check_error(s, "CreateVolume retry");
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  // 2. Tenant application credential from the Secret; snapshot of it.
  {
    auto r = CreateRequest(base + "-tenant");
    TenantSecrets(r.mutable_secrets(), appcred_secret_);
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status s = Call(**plugin, "CreateVolume", r, &out);
    check_error(s, "CreateVolume (tenant appcred)");
    ASSERT_TRUE(s.ok()) << s.error_message();
    created.push_back(out.volume().volume_id());
    ::csi::v1::CreateSnapshotRequest snap;
    snap.set_name(base + "-snap");
    snap.set_source_volume_id(out.volume().volume_id());
    TenantSecrets(snap.mutable_secrets(), appcred_secret_);
    ::csi::v1::CreateSnapshotResponse snapped;
    s = Call(**plugin, "CreateSnapshot", snap, &snapped);
    check_error(s, "CreateSnapshot");
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (s.ok()) {
      ::csi::v1::DeleteSnapshotRequest del;
      del.set_snapshot_id(snapped.snapshot().snapshot_id());
      TenantSecrets(del.mutable_secrets(), appcred_secret_);
      ::csi::v1::DeleteSnapshotResponse deleted;
      s = Call(**plugin, "DeleteSnapshot", del, &deleted);
      check_error(s, "DeleteSnapshot");
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
  }
  // 3. A wrong application-credential secret: refused, and the refusal names no secret.
  {
    auto r = CreateRequest(base + "-bogus");
    TenantSecrets(r.mutable_secrets(), kBogusAppcredSecret);
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status s = Call(**plugin, "CreateVolume", r, &out);
    check_error(s, "CreateVolume (bogus appcred)");
    EXPECT_FALSE(s.ok());
    if (s.ok()) created.push_back(out.volume().volume_id());
  }
  // 4. A named cloud whose password Keystone refuses.
  {
    auto r = CreateRequest(base + "-wrongcloud");
    (*r.mutable_secrets())["cloud"] = "wrong";
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status s = Call(**plugin, "CreateVolume", r, &out);
    check_error(s, "CreateVolume (named cloud, wrong password)");
    EXPECT_FALSE(s.ok());
    if (s.ok()) created.push_back(out.volume().volume_id());
  }
  // 5. Deletes (the tenant's volume with the tenant's credentials).
  for (size_t i = 0; i < created.size(); ++i) {
    ::csi::v1::DeleteVolumeRequest del;
    del.set_volume_id(created[i]);
    if (i == 1) TenantSecrets(del.mutable_secrets(), appcred_secret_);
    ::csi::v1::DeleteVolumeResponse out;
    // DeleteSnapshot returns while Cinder still deletes the snapshot; like the provisioner,
    // retry while the volume is refused for still having it.
    grpc::Status s;
    for (absl::Time until = absl::Now() + absl::Seconds(180);;) {
      s = Call(**plugin, "DeleteVolume", del, &out);
      check_error(s, "DeleteVolume");
      if (s.error_code() != grpc::StatusCode::FAILED_PRECONDITION || absl::Now() > until) break;
      absl::SleepFor(absl::Seconds(1));
    }
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  // Files while the plugin still runs (it may hold temporary files open).
  for (auto& l : FileLeaks(**plugin, planted_, tmpdir)) leaks.push_back(l);
  watcher.Stop();
  for (auto& l : watcher.leaks()) leaks.push_back(l);
  EXPECT_GT(watcher.scans(), 0);
  EXPECT_EQ((*plugin)->StopWith(SIGTERM), 0);
  std::string log = (*plugin)->Log();
  for (auto& l : Leaks(planted_, log, StrCat("plugin log at --v=", v))) leaks.push_back(l);
  for (auto& l : FileLeaks(**plugin, planted_, tmpdir)) leaks.push_back(l);
  // Sanity: the log is not empty at higher levels (so the check meant something), and the
  // planted failures did reach the log as failures.
  if (v >= 2) {
    EXPECT_NE(log.find("CreateVolume"), std::string::npos) << log.substr(0, 2000);
  }
  // Positive control for the detector: at --v=5 requests are logged (secrets stripped), so
  // the volume names, which are not secret, must be found by the same search.
  if (v >= 5) {
    EXPECT_FALSE(Leaks({Plant("control: volume name", base + "-driver")}, log, "log").empty())
        << "the leak detector found not even the volume name in the --v=5 log";
  }
  std::string commands;
  for (const auto& c : watcher.commands()) StrAppend(&commands, c, " ");
  EXPECT_TRUE(leaks.empty()) << "secrets leaked at --v=" << v << ":\n"
                             << Join(leaks) << "processes seen: " << commands;
  RecordProperty("processes_seen", commands);
  RecordProperty("log_bytes", static_cast<int>(log.size()));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Verbosity, SecretsHygieneLab, ::testing::Values(0, 2, 5),
                         [](const auto& info) { return StrCat("v", info.param); });

// --- TLS ---------------------------------------------------------------------------------

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// `openssl s_server -www` with a fresh self-signed certificate for 127.0.0.1.
class SelfSignedServer {
 public:
  explicit SelfSignedServer(const std::string& dir) : dir_(dir) {
    cert_ = dir + "/server.pem";
    std::string key = dir + "/server.key";
    std::string cmd = StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout ",
        key, " -out ", cert_, " >/dev/null 2>&1");
    if (std::system(cmd.c_str()) != 0) return;
    port_ = FreeTcpPort();
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
      std::string accept = StrCat("127.0.0.1:", port_);
      execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert", cert_.c_str(),
             "-key", key.c_str(), "-www", "-quiet", nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100 && !CanConnect(port_); ++i) absl::SleepFor(absl::Milliseconds(100));
  }
  ~SelfSignedServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0 && CanConnect(port_); }
  int port() const { return port_; }
  const std::string& cert() const { return cert_; }

 private:
  std::string dir_, cert_;
  int port_ = 0;
  pid_t pid_ = -1;
};

std::string TlsCloudConf(const std::string& dir, int port, const std::string& ca_file) {
  std::string path = StrCat(dir, "/cloud-tls", ca_file.empty() ? "" : "-ca", ".conf");
  std::ofstream out(path);
  out << "[Global]\nauth-url=https://127.0.0.1:" << port << "/v3\nusername=csi\n"
      << "password=HYGIENE-TLS-PASSWORD-0e1f\nuser-domain-name=Default\n"
      << "project-name=p\nproject-domain-name=Default\nregion=RegionOne\n";
  if (!ca_file.empty()) out << "ca-file=" << ca_file << "\n";
  return path;
}

// The backend errors the plugin logged ("backend unreachable" lines), waiting up to
// `timeout` for at least one.
std::string NotReadyLines(const PluginProcess& plugin, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  std::string lines;
  while (absl::Now() < deadline) {
    lines.clear();
    std::istringstream in(plugin.Log());
    for (std::string line; std::getline(in, line);)
      if (line.find("backend unreachable") != std::string::npos) lines += line + "\n";
    if (!lines.empty()) return lines;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return lines;
}

bool Ready(const PluginProcess& plugin) {
  ::csi::v1::ProbeRequest request;
  ::csi::v1::ProbeResponse response;
  return Call(plugin, "Probe", request, &response, absl::Seconds(5)).ok() &&
         response.ready().value();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Needs no lab: the "Keystone" is openssl s_server.
TEST(TlsVerification, SelfSignedRefusedUnlessCaFileNamesIt) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
  std::string dir = StrCat(::testing::TempDir(), "/hygiene-tls-", getpid());
  fs::create_directories(dir);
  SelfSignedServer server(dir);
  ASSERT_TRUE(server.ok()) << "openssl s_server did not start";

  // Without ca-file: the handshake fails on the certificate (Probe stays ready: liveness).
  {
    auto plugin = PluginProcess::Start(
        {"--mode=controller", "--cloud-config=" + TlsCloudConf(dir, server.port(), ""), "--v=2"},
        absl::Seconds(60));
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    std::string errors = NotReadyLines(**plugin, absl::Seconds(30));
    ASSERT_FALSE(errors.empty()) << (*plugin)->Log();
    EXPECT_NE(Lower(errors).find("certificate"), std::string::npos) << errors;
    RecordProperty("error_without_ca_file", errors.substr(0, 500));
    EXPECT_TRUE(Ready(**plugin));
    EXPECT_EQ((*plugin)->Log().find("HYGIENE-TLS-PASSWORD"), std::string::npos);
  }
  // With ca-file naming the certificate: the handshake succeeds and the failure moves on to
  // what the (fake) Keystone answered; still unreachable, but not for the certificate.
  {
    auto plugin = PluginProcess::Start(
        {"--mode=controller", "--cloud-config=" + TlsCloudConf(dir, server.port(), server.cert()),
         "--v=2"},
        absl::Seconds(60));
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    std::string errors = NotReadyLines(**plugin, absl::Seconds(30));
    ASSERT_FALSE(errors.empty()) << (*plugin)->Log();
    EXPECT_EQ(Lower(errors).find("certificate"), std::string::npos) << errors;
    EXPECT_EQ(Lower(errors).find("ssl"), std::string::npos) << errors;
    // s_server -www does not answer a POST: the (verified) connection then times out or
    // gets a non-JSON reply; either way the failure is Keystone's, past the handshake.
    EXPECT_NE(Lower(errors).find("keystone"), std::string::npos) << errors;
    EXPECT_EQ((*plugin)->Log().find("HYGIENE-TLS-PASSWORD"), std::string::npos);
    RecordProperty("error_with_ca_file", errors.substr(0, 500));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace byok::testing
