// Fault injection on the lab's OpenStack services while the real binary works
// (tests/lab/svc.sh stops, pauses and restarts one service of the running lab):
//  - cinder-api killed and started again while CreateVolume waits for the volume;
//  - cinder-api hung (SIGSTOP: connections accepted, nothing answered) past the caller's
//    deadline, after the create and before it;
//  - Barbican stopped, and hung, when CreateVolume fetches the tenant's key;
//  - Barbican stopped when NodeStageVolume fetches it (on this host: nothing may be touched);
//  - Keystone tokens expiring in the middle of a CreateVolume (Keystone restarted with a
//    15-second token lifetime, the plugin frozen past it while Cinder builds the volume);
//  - Keystone down while the controller starts: Probe stays ready (liveness), the metric
//    byok_backend_up says down, then up once Keystone is back; a node plugin started then
//    answers Probe ready too.
// Each ends with the provisioner-style retry converging to ONE volume bound to the right key
// and the census of FaultLab (0 volumes of the suite's cluster tag, Barbican secret count
// unchanged). Every service is brought back even when a test fails half-way.
//
// Skips itself without the lab environment. Label: fault.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/fault/fault_fixture.h"

namespace byok::testing {
namespace {

namespace fs = std::filesystem;

// Puts a lab service back into its normal state when the test ends, however it ends.
class ServiceRestorer {
 public:
  explicit ServiceRestorer(std::string service, std::string how = "start")
      : service_(std::move(service)), how_(std::move(how)) {}
  ~ServiceRestorer() {
    if (!done_) Restore();
  }
  void Restore() {
    done_ = true;
    absl::Status s = lab::LabService(how_, service_);
    EXPECT_TRUE(s.ok()) << "could not bring " << service_ << " back: " << s;
  }

 private:
  std::string service_;
  std::string how_;
  bool done_ = false;
};

class ServiceFaultLab : public FaultLab {
 protected:
  void SetUp() override {
    if (lab::HaveLab() && lab::Env("LAB_STATE_DIR").empty()) {
      GTEST_SKIP() << "LAB_STATE_DIR unset: cannot control the lab's services";
    }
    FaultLab::SetUp();
  }
  std::string NewName(std::string_view what) const {
    return StrCat("fault-", what, "-", absl::ToUnixMicros(absl::Now()));
  }
  // The code and message a caller saw, for the closing note's table (ctest XML properties).
  void Record(std::string_view key, const grpc::Status& s) {
    RecordProperty(std::string(key),
                   StrCat(static_cast<int>(s.error_code()), " ", s.error_message()));
    std::printf("%s: code %d: %s\n", std::string(key).c_str(), static_cast<int>(s.error_code()),
                s.error_message().c_str());
  }
  // The retry converges to one volume bound to our key; then the volume is deleted through
  // the plugin, leaving the census to TearDown.
  void ConvergeAndDelete(const PluginProcess& plugin, const ::csi::v1::CreateVolumeRequest& r) {
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status s = CreateWithRetry(plugin, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    ExpectOneBoundVolume(r.name(), out.volume().volume_id());
    Delete(plugin, out.volume().volume_id());
  }
};

TEST_F(ServiceFaultLab, CinderApiRestartedWhileCreateWaits) {
  auto plugin = StartPlugin(4);
  ASSERT_NE(plugin, nullptr);
  auto r = CreateRequest(NewName("cinder-restart"));
  ServiceRestorer restorer("cinder-api");
  bool created = false;
  grpc::Status s1 = CreateWithFault(
      *plugin, r, absl::Seconds(180),
      [&] { return WaitForCinderCreate(*plugin, absl::Seconds(120)); },
      [&] {
        EXPECT_TRUE(lab::LabService("stop", "cinder-api").ok());
        absl::SleepFor(absl::Seconds(3));
        restorer.Restore();
      },
      &created);
  ASSERT_TRUE(created) << "never saw the Cinder POST in the log";
  Record("caller_saw", s1);
  // The wait rides out the API's absence: the same call still answers with the volume.
  EXPECT_TRUE(s1.ok()) << s1.error_code() << " " << s1.error_message();
  ConvergeAndDelete(*plugin, r);
}

TEST_F(ServiceFaultLab, CinderApiHungPastTheDeadlineAfterTheCreate) {
  auto plugin = StartPlugin(4);
  ASSERT_NE(plugin, nullptr);
  auto r = CreateRequest(NewName("cinder-hung-after"));
  ServiceRestorer restorer("cinder-api", "resume");
  bool created = false;
  grpc::Status s1 = CreateWithFault(
      *plugin, r, absl::Seconds(15),
      [&] { return WaitForCinderCreate(*plugin, absl::Seconds(14)); },
      [] { EXPECT_TRUE(lab::LabService("pause", "cinder-api").ok()); }, &created);
  restorer.Restore();
  ASSERT_TRUE(created) << "never saw the Cinder POST in the log";
  Record("caller_saw", s1);
  // The driver answers before the caller's deadline: ABORTED, the volume is still being
  // created (retryable, and the retry adopts it).
  EXPECT_EQ(s1.error_code(), grpc::StatusCode::ABORTED) << s1.error_message();
  ConvergeAndDelete(*plugin, r);
}

// The hang starts when the driver has looked for an existing volume of the name and is about
// to create one: its POST waits in the hung API's queue and outlives the caller's deadline;
// the API processes it once resumed, while the provisioner retries.
TEST_F(ServiceFaultLab, CinderApiHungPastTheDeadlineAroundTheCreate) {
  auto plugin = StartPlugin(4);
  ASSERT_NE(plugin, nullptr);
  auto r = CreateRequest(NewName("cinder-hung-before"));
  ServiceRestorer restorer("cinder-api", "resume");
  // The name lookup: GET .../volumes/detail?...name=...
  auto looked_up = [&] {
    for (absl::Time until = absl::Now() + absl::Seconds(14); absl::Now() < until;) {
      std::string log = plugin->Log();
      if (log.find("volumes/detail") != std::string::npos &&
          log.find("OpenStack request") != std::string::npos) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  };
  bool listed = false;
  grpc::Status s1 = CreateWithFault(
      *plugin, r, absl::Seconds(15), looked_up,
      [] { EXPECT_TRUE(lab::LabService("pause", "cinder-api").ok()); }, &listed);
  restorer.Restore();
  ASSERT_TRUE(listed) << "never saw the name lookup in the log";
  Record("caller_saw", s1);
  EXPECT_TRUE(s1.ok() || s1.error_code() == grpc::StatusCode::ABORTED ||
              s1.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
              s1.error_code() == grpc::StatusCode::UNAVAILABLE)
      << s1.error_code() << " " << s1.error_message();
  ::csi::v1::CreateVolumeResponse out;
  grpc::Status s2 = CreateWithRetry(*plugin, r, &out);
  ASSERT_TRUE(s2.ok()) << s2.error_code() << " " << s2.error_message();
  // Let the resumed API finish whatever it had queued, then count.
  absl::SleepFor(absl::Seconds(10));
  auto volumes = OurVolumes(r.name());
  RecordProperty("volumes_for_name_after_settling", static_cast<int>(volumes.size()));
  std::printf("volumes named %s after settling: %zu\n", r.name().c_str(), volumes.size());
  Delete(*plugin, out.volume().volume_id());
  // A late create the retry could not see is removed with the volume it duplicates.
  EXPECT_EQ(OurVolumes(r.name()).size(), 0u) << "a duplicate outlived DeleteVolume";
}

TEST_F(ServiceFaultLab, BarbicanStoppedDuringCreate) {
  auto plugin = StartPlugin();
  ASSERT_NE(plugin, nullptr);
  auto r = CreateRequest(NewName("barbican-down"));
  ServiceRestorer restorer("barbican");
  ASSERT_TRUE(lab::LabService("stop", "barbican").ok());
  ::csi::v1::CreateVolumeResponse out;
  grpc::Status s1 = Create(*plugin, r, &out, absl::Seconds(60));
  Record("caller_saw", s1);
  EXPECT_EQ(s1.error_code(), grpc::StatusCode::UNAVAILABLE) << s1.error_message();
  EXPECT_NE(s1.error_message().find("keyID"), std::string::npos) << s1.error_message();
  EXPECT_EQ(OurVolumes(r.name()).size(), 0u) << "a volume was created without the key";
  restorer.Restore();
  ConvergeAndDelete(*plugin, r);
}

TEST_F(ServiceFaultLab, BarbicanHungDuringCreate) {
  auto plugin = StartPlugin();
  ASSERT_NE(plugin, nullptr);
  auto r = CreateRequest(NewName("barbican-hung"));
  ServiceRestorer restorer("barbican", "resume");
  ASSERT_TRUE(lab::LabService("pause", "barbican").ok());
  ::csi::v1::CreateVolumeResponse out;
  grpc::Status s1 = Create(*plugin, r, &out, absl::Seconds(10));
  Record("caller_saw", s1);
  EXPECT_EQ(s1.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s1.error_message();
  EXPECT_EQ(OurVolumes(r.name()).size(), 0u) << "a volume was created without the key";
  restorer.Restore();
  ConvergeAndDelete(*plugin, r);
}

// On this host the node plugin cannot reach a device (the QEMU e2e covers the stage that then
// succeeds); what matters here is that with Barbican down it stops before touching anything:
// the volume's file in the lab is unchanged, Cinder still says LUKS "pending", nothing is
// mounted at the staging path.
TEST_F(ServiceFaultLab, BarbicanStoppedDuringNodeStage) {
  std::string volume_dir = lab::Env("LAB_VOLUME_DIR");
  if (volume_dir.empty()) GTEST_SKIP() << "LAB_VOLUME_DIR unset (the NFS backend's files)";
  auto controller = StartPlugin();
  ASSERT_NE(controller, nullptr);
  auto r = CreateRequest(NewName("barbican-stage"));
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(CreateWithRetry(*controller, r, &created).ok());
  const std::string id = created.volume().volume_id();
  const std::string file = StrCat(volume_dir, "/volume-", id);
  auto head = [&] {
    std::ifstream in(file, std::ios::binary);
    std::string data(1 << 20, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<size_t>(in.gcount()));
    return data;
  };
  const std::string before = head();

  auto node = PluginProcess::Start({"--mode=node", "--node-id=fault-node",
                                    "--cloud-config=" + lab::Env("LAB_CLOUD_CONF"), "--v=2"},
                                   absl::Seconds(60));
  ASSERT_TRUE(node.ok()) << node.status();
  fs::path staging = fs::temp_directory_path() / StrCat("byok-fault-stage-", getpid());
  fs::create_directories(staging);
  ServiceRestorer restorer("barbican");
  ASSERT_TRUE(lab::LabService("stop", "barbican").ok());
  ::csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(id);
  stage.set_staging_target_path(staging.string());
  stage.mutable_volume_capability()->mutable_mount()->set_fs_type("ext4");
  stage.mutable_volume_capability()->mutable_access_mode()->set_mode(
      ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  (*stage.mutable_secrets())["keyID"] = key_id_;
  ::csi::v1::NodeStageVolumeResponse staged;
  grpc::Status s = (*node)->client().Call(csi::Client::FindMethod("NodeStageVolume"), stage,
                                          &staged, absl::Seconds(60));
  Record("caller_saw", s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  restorer.Restore();

  EXPECT_TRUE(head() == before) << "the volume's first MiB changed";
  auto v = clients_->cinder->GetVolume(lab::Opts(), id);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->metadata[envelope::kMetaLuks], "pending");
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    EXPECT_EQ(line.find(staging.string()), std::string::npos) << "mounted: " << line;
  }
  (*node)->StopWith(SIGTERM, absl::Seconds(10));
  fs::remove_all(staging);
  Delete(*controller, id);
}

// Keystone restarted with a 15-second token lifetime; the plugin is frozen (SIGSTOP, as a
// suspended node or a long GC-like stall would) past that lifetime while Cinder builds the
// volume, so its token has expired when it resumes polling. The call still succeeds.
TEST_F(ServiceFaultLab, TokenExpiresWhileCreateWaits) {
  const std::string etc = StrCat(lab::Env("LAB_STATE_DIR"), "/etc/keystone");
  if (!fs::exists(etc + "/keystone.conf")) GTEST_SKIP() << "no " << etc << "/keystone.conf";
  std::ofstream(etc + "/short-token.conf") << "[token]\nexpiration = 15\n";
  ServiceRestorer restorer("keystone", "restart");
  ASSERT_TRUE(lab::LabService("restart", "keystone",
                              {StrCat("OS_KEYSTONE_CONFIG_FILES=", etc, "/keystone.conf;", etc,
                                      "/short-token.conf")})
                  .ok());
  auto plugin = StartPlugin(4);
  ASSERT_NE(plugin, nullptr);
  auto r = CreateRequest(NewName("token-expiry"));
  bool created = false;
  grpc::Status s1 = CreateWithFault(
      *plugin, r, absl::Seconds(180),
      [&] { return WaitForCinderCreate(*plugin, absl::Seconds(120)); },
      [&] {
        kill(plugin->pid(), SIGSTOP);
        absl::SleepFor(absl::Seconds(20));
        kill(plugin->pid(), SIGCONT);
      },
      &created);
  ASSERT_TRUE(created) << "never saw the Cinder POST in the log";
  Record("caller_saw", s1);
  EXPECT_TRUE(s1.ok()) << s1.error_code() << " " << s1.error_message();
  // Later calls, each past another token lifetime, work too.
  absl::SleepFor(absl::Seconds(16));
  ConvergeAndDelete(*plugin, r);
  restorer.Restore();
  std::remove((etc + "/short-token.conf").c_str());
}

TEST_F(ServiceFaultLab, KeystoneDownAtStartIsAMetricNotAFailedProbe) {
  const std::string down = "byok_backend_up{backend=\"openstack-identity\"} 0";
  const std::string up = "byok_backend_up{backend=\"openstack-identity\"} 1";
  ServiceRestorer keystone("keystone");
  ASSERT_TRUE(lab::LabService("stop", "keystone").ok());
  int port = FreeTcpPort();
  auto plugin = PluginProcess::Start(
      {"--mode=controller", "--cloud-config=" + lab::Env("LAB_CLOUD_CONF"),
       StrCat("--cluster=", kCluster), StrCat("--metrics-address=127.0.0.1:", port)},
      absl::Seconds(60));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  std::string scrape = WaitForMetric(port, down, absl::Seconds(30));
  EXPECT_NE(scrape.find(down), std::string::npos) << scrape;
  ::csi::v1::ProbeResponse probe;
  ASSERT_TRUE((*plugin)
                  ->client()
                  .Call(csi::Client::FindMethod("Probe"), ::csi::v1::ProbeRequest(), &probe,
                        absl::Seconds(5))
                  .ok());
  EXPECT_TRUE(probe.ready().value()) << "a Keystone outage must not fail the liveness probe";
  // The node plugin likewise: it starts and answers Probe ready while Keystone is down.
  auto node = PluginProcess::Start(
      {"--mode=node", "--node-id=fault-node", "--cloud-config=" + lab::Env("LAB_CLOUD_CONF")},
      absl::Seconds(60));
  ASSERT_TRUE(node.ok()) << node.status();
  ::csi::v1::ProbeResponse node_probe;
  ASSERT_TRUE((*node)
                  ->client()
                  .Call(csi::Client::FindMethod("Probe"), ::csi::v1::ProbeRequest(), &node_probe,
                        absl::Seconds(5))
                  .ok());
  EXPECT_TRUE(node_probe.ready().value()) << "node mode: Keystone down is no liveness failure";
  keystone.Restore();
  scrape = WaitForMetric(port, up, absl::Seconds(60));
  EXPECT_NE(scrape.find(up), std::string::npos) << scrape;
  EXPECT_NE((*plugin)->Log().find("backend reachable"), std::string::npos);
  // The client layer's counts of OpenStack traffic, exported: Keystone refused the
  // connections while it was down, then issued a token (201).
  auto has_line = [&scrape](std::initializer_list<std::string_view> parts) {
    for (std::string_view line : Split(scrape, '\n')) {
      bool all = true;
      for (std::string_view part : parts) all = all && Contains(line, part);
      if (all) return true;
    }
    return false;
  };
  EXPECT_TRUE(has_line({"byok_openstack_transport_errors_total{", "service=\"keystone\""}))
      << scrape;
  EXPECT_TRUE(has_line({"byok_openstack_responses_total{", "service=\"keystone\"", "code=\"201\""}))
      << scrape;
  EXPECT_TRUE(has_line({"byok_openstack_requests_total{", "service=\"keystone\""})) << scrape;
}

}  // namespace
}  // namespace byok::testing
