// The tenant boundary against the real lab (tests/lab), through the real binary's socket: the
// attack table of docs/security.md. A tenant controls their Secrets and PVCs and nothing else;
// each test is one attack and checks the gRPC code, and that nothing changed or leaked.
//
// Identities: the driver is the lab's demo user (cloud.conf, password); tenant A is the alt
// project, with an application credential made for this suite; tenant B is the demo project's
// application credential. Skips itself without the lab environment.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cloud/volume_handle.h"
#include "common/strings.h"
#include "csi/csi.pb.h"
#include "envelope/descriptor.h"
#include "nlohmann/json.hpp"
#include "tests/conformance/plugin_process.h"
#include "tests/integration/driver_lab/lab_driver.h"

namespace byok::testing {
namespace {

using ::csi::v1::VolumeCapability;
using lab::Env;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kOperatorSectionPassword[] = "OPERATOR-SECTION-PASSWORD-7c1e";

// A TCP listener on loopback that records every byte sent to it: the "Keystone of the
// attacker's own". Connections are read until the peer stops and then closed unanswered.
class Recorder {
 public:
  Recorder() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Recorder() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::string Received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  int Connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      char buf[4096];
      ssize_t n;
      std::lock_guard<std::mutex> lock(mu_);
      ++connections_;
      while ((n = read(c, buf, sizeof(buf))) > 0) received_.append(buf, static_cast<size_t>(n));
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::string received_;
  int connections_ = 0;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string RunCapture(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  pclose(p);
  return out;
}

// One query against the lab's Cinder database (as root over its socket), tab-separated rows.
std::string CinderDb(const std::string& dir, const std::string& query) {
  std::string file = dir + "/query.sql";
  std::ofstream(file) << query << "\n";
  return RunCapture(StrCat("mysql -N --socket=", Env("LAB_STATE_DIR"),
                           "/mysql/mysqld.sock cinder < ", file, " 2>&1"));
}

struct AppCred {
  std::string id, secret;
};

class TenantBoundaryLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!lab::HaveLab()) return;
    recorder_ = new Recorder();
    dir_ = RunCapture("mktemp -d /tmp/byok-boundary.XXXXXX");
    dir_ = std::string(StripWhitespace(dir_));
    // The operator's cloud.conf, plus a section holding another account's password at the
    // recorder: no Secret may make the driver use it.
    conf_ = dir_ + "/cloud.conf";
    std::ofstream(conf_) << ReadAll(Env("LAB_CLOUD_CONF")) << "\n[Global \"other-tenant\"]\n"
                         << "auth-url=http://127.0.0.1:" << recorder_->port() << "/v3\n"
                         << "username=other\npassword=" << kOperatorSectionPassword
                         << "\nuser-domain-name=Default\ntenant-name=other\n"
                         << "tenant-domain-name=Default\n";
    auto demo = lab::ConnectAsDriver();
    ASSERT_TRUE(demo.ok()) << demo.status();
    demo_ = demo->release();
    auto alt = lab::ConnectAsAlt();
    ASSERT_TRUE(alt.ok()) << alt.status();
    alt_ = alt->release();
    auto created = nlohmann::json::parse(
        RunCapture(StrCat(BYOK_APPCRED_SCRIPT, " create byok-boundary-", getpid())), nullptr,
        false);
    ASSERT_TRUE(created.is_object()) << "could not create the alt application credential";
    alt_cred_ = {created["id"], created["secret"]};

    auto plugin =
        PluginProcess::Start({"--mode=all", "--node-id=boundary-node", "--cloud-config=" + conf_,
                              "--cluster=boundary-test", "--v=2"},
                             absl::Seconds(30));
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    plugin_ = plugin->release();
  }
  static void TearDownTestSuite() {
    if (plugin_ != nullptr) {
      std::string log = plugin_->Log();
      EXPECT_THAT(log, Not(HasSubstr(kOperatorSectionPassword)));
      EXPECT_THAT(log, Not(HasSubstr(alt_cred_.secret)));
      // The lab's Keystone is plain http: said at start, never silently accepted.
      EXPECT_THAT(log, HasSubstr("plain http"));
      delete plugin_;
    }
    if (!alt_cred_.id.empty()) {
      (void)RunCapture(StrCat(BYOK_APPCRED_SCRIPT, " delete ", alt_cred_.id));
    }
    if (demo_ != nullptr) {
      EXPECT_EQ(lab::RemoveVolumesOfCluster(*demo_->clients.cinder, "boundary-test"), 0);
    }
    if (alt_ != nullptr) {
      EXPECT_EQ(lab::RemoveVolumesOfCluster(*alt_->clients.cinder, "boundary-test"), 0);
    }
    delete recorder_;
    delete demo_;
    delete alt_;
    if (!dir_.empty()) (void)RunCapture("rm -rf " + dir_);
  }
  void SetUp() override {
    if (plugin_ == nullptr) GTEST_SKIP() << "no lab: run with the environment of tests/lab/up.sh";
  }
  void TearDown() override {
    // Whatever the attack, nothing ever reached the attacker's endpoint.
    if (recorder_ != nullptr) {
      EXPECT_EQ(recorder_->Connections(), 0) << recorder_->Received().substr(0, 400);
    }
  }

  template <typename Request, typename Response>
  grpc::Status Call(std::string_view method, const Request& request, Response* response) {
    return plugin_->client().Call(csi::Client::FindMethod(method), request, response,
                                  absl::Seconds(120));
  }

  using SecretMap = google::protobuf::Map<std::string, std::string>;
  static SecretMap Secret(const std::string& key_id, const AppCred* cred = nullptr) {
    SecretMap s;
    if (!key_id.empty()) s["keyID"] = key_id;
    if (cred != nullptr) {
      s["application-credential-id"] = cred->id;
      s["application-credential-secret"] = cred->secret;
    }
    return s;
  }
  static AppCred DemoCred() { return {Env("LAB_APPCRED_ID"), Env("LAB_APPCRED_SECRET")}; }

  static std::string StoreKey(const lab::DriverCloud* owner) {
    auto id = lab::StoreKey(owner->clients, "byok-boundary-test", std::string(32, 'B'));
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : "";
  }

  grpc::Status Create(const std::string& name, const SecretMap& secret, std::string* id,
                      const std::map<std::string, std::string>& parameters = {}) {
    ::csi::v1::CreateVolumeRequest r;
    r.set_name(name);
    r.mutable_parameters()->insert(parameters.begin(), parameters.end());
    auto* cap = r.add_volume_capabilities();
    cap->mutable_mount()->set_fs_type("ext4");
    cap->mutable_access_mode()->set_mode(VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    *r.mutable_secrets() = secret;
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status s = Call("CreateVolume", r, &out);
    if (id != nullptr) *id = out.volume().volume_id();
    return s;
  }
  grpc::Status Stage(const std::string& id, const SecretMap& secret) {
    ::csi::v1::NodeStageVolumeRequest r;
    r.set_volume_id(id);
    r.set_staging_target_path(dir_ + "/staging");
    r.mutable_volume_capability()->mutable_mount()->set_fs_type("ext4");
    r.mutable_volume_capability()->mutable_access_mode()->set_mode(
        VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    *r.mutable_secrets() = secret;
    ::csi::v1::NodeStageVolumeResponse out;
    return Call("NodeStageVolume", r, &out);
  }
  grpc::Status Publish(const std::string& id, const SecretMap& secret) {
    ::csi::v1::ControllerPublishVolumeRequest r;
    r.set_volume_id(id);
    r.set_node_id(Env("LAB_NOVA_SERVER_ID").empty() ? "boundary-node" : Env("LAB_NOVA_SERVER_ID"));
    r.mutable_volume_capability()->mutable_mount();
    r.mutable_volume_capability()->mutable_access_mode()->set_mode(
        VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    *r.mutable_secrets() = secret;
    ::csi::v1::ControllerPublishVolumeResponse out;
    return Call("ControllerPublishVolume", r, &out);
  }
  grpc::Status Delete(const std::string& id, const SecretMap& secret) {
    ::csi::v1::DeleteVolumeRequest r;
    r.set_volume_id(id);
    *r.mutable_secrets() = secret;
    ::csi::v1::DeleteVolumeResponse out;
    return Call("DeleteVolume", r, &out);
  }
  static bool Exists(const lab::DriverCloud* owner, const std::string& cinder_id) {
    auto v = owner->clients.cinder->GetVolume(lab::Opts(), cinder_id);
    return v.ok() && v->status != "deleting";
  }

  static inline Recorder* recorder_ = nullptr;
  static inline std::string dir_, conf_;
  static inline lab::DriverCloud* demo_ = nullptr;
  static inline lab::DriverCloud* alt_ = nullptr;
  static inline AppCred alt_cred_;
  static inline PluginProcess* plugin_ = nullptr;
};

TEST_F(TenantBoundaryLab, ASecretNamingItsOwnKeystoneReachesNothing) {
  std::string key = StoreKey(demo_);
  AppCred demo = DemoCred();
  SecretMap secret = Secret(key, &demo);
  secret["auth-url"] = StrCat("http://127.0.0.1:", recorder_->port(), "/v3");
  grpc::Status s = Create("pvc-own-keystone", secret, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("tenant-auth-urls"));
  // The privileged node plugin too.
  s = Stage("5f0c2b8e-0d4c-4a7e-9a53-1c2d3e4f5a6b", secret);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(lab::VolumesOfCluster(*demo_->clients.cinder, "boundary-test").size(), 0u);
  (void)demo_->clients.barbican->DeleteSecret(lab::Opts(), key);
}

TEST_F(TenantBoundaryLab, ASecretNamingAnotherCloudSectionBorrowsNoCredential) {
  std::string key = StoreKey(demo_);
  for (const char* key_name : {"cloud", "auth-url", "region"}) {
    SecretMap secret = Secret(key);
    secret[key_name] = std::string(key_name) == "cloud"
                           ? "other-tenant"
                           : StrCat("http://127.0.0.1:", recorder_->port(), "/v3");
    grpc::Status s = Create("pvc-other-section", secret, nullptr);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << key_name;
    EXPECT_THAT(s.error_message(), HasSubstr("never lends")) << key_name;
  }
  EXPECT_EQ(lab::VolumesOfCluster(*demo_->clients.cinder, "boundary-test").size(), 0u);
  (void)demo_->clients.barbican->DeleteSecret(lab::Opts(), key);
}

TEST_F(TenantBoundaryLab, ATenantsVolumeIsTouchedOnlyWithThatTenantsCredential) {
  std::string alt_key = StoreKey(alt_);
  std::string demo_key = StoreKey(demo_);
  AppCred demo = DemoCred();
  std::string id;
  grpc::Status s = Create("pvc-tenant-a", Secret(alt_key, &alt_cred_), &id);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(id, EndsWith("@" + Env("LAB_ALT_PROJECT_ID")));
  auto handle = cloud::ParseHandle(id, "volume");
  ASSERT_TRUE(handle.ok());

  // Publish, stage and delete with no credential, or with another project's.
  s = Publish(id, Secret(alt_key));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("controller-publish-secret-name"));
  EXPECT_EQ(Publish(id, Secret(demo_key, &demo)).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Stage(id, Secret(demo_key, &demo)).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Stage(id, Secret(alt_key)).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // Deletion under an identity that cannot see the volume is not reported as done.
  s = Delete(id, Secret(""));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(Delete(id, Secret(demo_key, &demo)).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Exists(alt_, handle->cinder_id));

  // Its own credential may act, but Nova attaches it only to servers of its own project.
  if (!Env("LAB_NOVA_SERVER_ID").empty()) {
    s = Publish(id, Secret(alt_key, &alt_cred_));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("same project"));
  }
  s = Delete(id, Secret(alt_key, &alt_cred_));
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(Exists(alt_, handle->cinder_id));
  (void)alt_->clients.barbican->DeleteSecret(lab::Opts(), alt_key);
  (void)demo_->clients.barbican->DeleteSecret(lab::Opts(), demo_key);
}

TEST_F(TenantBoundaryLab, ATenantOfTheNodesProjectPublishesItsVolumeWithItsOwnCredential) {
  if (Env("LAB_NOVA_SERVER_ID").empty()) GTEST_SKIP() << "the lab runs no Nova";
  // The demo application credential: a tenant of the project the (Nova) node lives in.
  std::string key = StoreKey(demo_);
  AppCred demo = DemoCred();
  std::string id;
  grpc::Status s = Create("pvc-tenant-publish", Secret(key, &demo), &id);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(id, EndsWith("@" + Env("LAB_DEMO_PROJECT_ID")));
  s = Publish(id, Secret(key, &demo));
  EXPECT_TRUE(s.ok()) << s.error_message();
  ::csi::v1::ControllerUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id);
  unpublish.set_node_id(Env("LAB_NOVA_SERVER_ID"));
  *unpublish.mutable_secrets() = Secret(key, &demo);
  ::csi::v1::ControllerUnpublishVolumeResponse unpublished;
  s = Call("ControllerUnpublishVolume", unpublish, &unpublished);
  EXPECT_TRUE(s.ok()) << s.error_message();
  s = Delete(id, Secret(key, &demo));
  EXPECT_TRUE(s.ok()) << s.error_message();
  (void)demo_->clients.barbican->DeleteSecret(lab::Opts(), key);
}

TEST_F(TenantBoundaryLab, ABareIdOfATenantsOlderVolumeIsDeletedAsThatTenant) {
  // Volumes created with a tenant's credential before CSI IDs carried the project: bare IDs
  // in the tenant's project, which the driver's identity cannot see.
  openstack::CreateVolumeRequest create;
  create.name = "pvc-legacy-tenant";
  create.size_gib = 1;
  create.metadata["cinder.csi.openstack.org/cluster"] = "boundary-test";
  auto created = alt_->clients.cinder->CreateVolume(lab::Opts(), create);
  ASSERT_TRUE(created.ok()) << created.status();
  for (int i = 0; i < 120; ++i) {
    auto v = alt_->clients.cinder->GetVolume(lab::Opts(), created->id);
    if (v.ok() && v->status == "available") break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  grpc::Status s = Delete(created->id, Secret("", &alt_cred_));
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(Exists(alt_, created->id));
}

TEST_F(TenantBoundaryLab, AKeyIdOtherThanTheVolumesIsRefusedAtStage) {
  // envelope mode, and cinder mode (where the node used to do no key check at all) when the
  // lab's Cinder carries contrib/cinder-byok.
  std::vector<std::map<std::string, std::string>> modes = {{{"encryption", "envelope"}}};
  if (Env("LAB_CINDER_BYOK") == "applied") {
    modes.push_back({{"encryption", "cinder"}, {"type", Env("LAB_ENCRYPTED_VOLUME_TYPE")}});
  }
  std::string key = StoreKey(demo_);
  std::string other = StoreKey(demo_);
  for (const auto& parameters : modes) {
    const std::string& mode = parameters.at("encryption");
    std::string id;
    grpc::Status s = Create("pvc-key-binding-" + mode, Secret(key), &id, parameters);
    ASSERT_TRUE(s.ok()) << mode << ": " << s.error_message();
    s = Stage(id, Secret(other));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << mode << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(key)) << mode;
    EXPECT_THAT(s.error_message(), HasSubstr(other)) << mode;
    auto volume = demo_->clients.cinder->GetVolume(lab::Opts(), id);
    ASSERT_TRUE(volume.ok());
    if (mode == "envelope") {
      EXPECT_EQ(volume->metadata.at(envelope::kMetaLuks), "pending");  // untouched
    }
    EXPECT_TRUE(Delete(id, Secret(key)).ok()) << mode;
  }
  for (const std::string& k : {key, other}) {
    (void)demo_->clients.barbican->DeleteSecret(lab::Opts(), k);
  }
}

TEST_F(TenantBoundaryLab, DeletionErasesTheWrappedKeysFirstAndCinderKeepsSoftDeletedRows) {
  std::string key = StoreKey(demo_);
  std::string id;
  ASSERT_TRUE(Create("pvc-snap-erase", Secret(key), &id).ok());
  ::csi::v1::CreateSnapshotRequest create;
  create.set_name("snap-erase");
  create.set_source_volume_id(id);
  ::csi::v1::CreateSnapshotResponse snap;
  grpc::Status s = Call("CreateSnapshot", create, &snap);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string snapshot_id = snap.snapshot().snapshot_id();
  auto before = demo_->clients.cinder->GetSnapshotMetadata(lab::Opts(), snapshot_id);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->count(envelope::kMetaWrappedDek), 1u);

  ::csi::v1::DeleteSnapshotRequest del;
  del.set_snapshot_id(snapshot_id);
  ::csi::v1::DeleteSnapshotResponse out;
  ASSERT_TRUE(Call("DeleteSnapshot", del, &out).ok());
  for (int i = 0; i < 120; ++i) {  // cinder-volume removes it asynchronously
    if (absl::IsNotFound(demo_->clients.cinder->GetSnapshot(lab::Opts(), snapshot_id).status())) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  // What Cinder still holds in its database: the metadata row of the wrapped key was
  // soft-deleted (deleted=1) by the erase, before the snapshot row; and, as docs/security.md
  // says, a soft-deleted row keeps its value until the operator purges Cinder's database.
  std::string rows = CinderDb(
      dir_, StrCat("SELECT m.deleted, s.deleted, m.deleted_at <= s.deleted_at, m.value <> '' "
                   "FROM snapshot_metadata m JOIN snapshots s ON s.id = m.snapshot_id "
                   "WHERE m.snapshot_id = '",
                   snapshot_id, "' AND m.`key` = '", envelope::kMetaWrappedDek, "'"));
  EXPECT_THAT(rows, HasSubstr("1\t1\t1\t1")) << rows;

  // The volume's own wrapped DEK goes the same way.
  auto handle = cloud::ParseHandle(id, "volume");
  ASSERT_TRUE(handle.ok());
  EXPECT_TRUE(Delete(id, Secret(key)).ok());
  for (int i = 0; i < 120; ++i) {
    if (absl::IsNotFound(demo_->clients.cinder->GetVolume(lab::Opts(), id).status())) break;
    absl::SleepFor(absl::Milliseconds(500));
  }
  rows = CinderDb(dir_,
                  StrCat("SELECT m.deleted, v.deleted, m.deleted_at <= v.deleted_at, m.value <> '' "
                         "FROM volume_metadata m JOIN volumes v ON v.id = m.volume_id "
                         "WHERE m.volume_id = '",
                         handle->cinder_id, "' AND m.`key` = '", envelope::kMetaWrappedDek, "'"));
  EXPECT_THAT(rows, HasSubstr("1\t1\t1\t1")) << rows;
  (void)demo_->clients.barbican->DeleteSecret(lab::Opts(), key);
}

}  // namespace
}  // namespace byok::testing
