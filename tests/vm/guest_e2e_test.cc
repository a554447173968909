// The node plugin on real dm-crypt, inside the QEMU guest of tests/vm/e2e.sh. This binary plays
// kubelet: it starts the plugin (BYOK_PLUGIN_BINARY), calls its Node RPCs over the socket with
// kubelet's paths, and checks the disks, the mounts and Cinder. The volumes were made by
// byok-vm-lab on the lab's real Cinder/Barbican and attached by the harness (serial = volume ID)
// as Nova would; the plugin reaches the lab only through the forwarded 127.0.0.1 ports.
// Plan: /byok/plan.json. The host checks the volume files afterwards (no plaintext, data intact).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cloud/openstack_cloud_access.h"
#include "common/strings.h"
#include "csi/csi.pb.h"
#include "envelope/descriptor.h"
#include "openstack/cloud_config.h"
#include "tests/conformance/plugin_process.h"

namespace byok::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kGiB = int64_t{1} << 30;
constexpr int64_t kLuks2Header = 16 << 20;
constexpr char kPlanPath[] = "/byok/plan.json";
constexpr char kCloudConf[] = "/byok/cloud.conf";
constexpr char kLuks1Pass[] = "/byok/luks1.pass";
constexpr char kKubelet[] = "/var/lib/kubelet";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A stand-in for Nova's metadata service on 127.0.0.1 (cloud.conf metadata-url), so nothing
// ever reaches for 169.254.169.254.
class FakeMetadataService {
 public:
  static constexpr int kPort = 18775;
  static constexpr char kUuid[] = "0f6b3c9e-3f1a-4c55-9a43-6f7b3d1e2a10";
  static constexpr char kZone[] = "nova-az-e2e";

  bool Start() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(kPort);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 8) != 0) {
      return false;
    }
    thread_ = std::thread([this] {
      while (true) {
        int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        char buf[4096];
        ssize_t n = read(c, buf, sizeof(buf));
        std::string request(buf, n > 0 ? static_cast<size_t>(n) : 0);
        std::string body = StrCat(R"({"uuid": ")", kUuid, R"(", "availability_zone": ")", kZone,
                                  R"(", "hostname": "vm"})");
        std::string response =
            request.find("GET /openstack/latest/meta_data.json") == 0
                ? StrCat("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: ",
                         body.size(), "\r\n\r\n", body)
                : std::string("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        (void)!write(c, response.data(), response.size());
        close(c);
        ++requests;
      }
    });
    thread_.detach();
    return true;
  }
  std::atomic<int> requests{0};

 private:
  int fd_ = -1;
  std::thread thread_;
};

// The lab's cloud.conf plus the metadata settings under test.
std::string CloudConfWithMetadata(const std::string& search_order, const std::string& name) {
  std::string base = Slurp(kCloudConf);
  std::string url = StrCat("metadata-url=http://127.0.0.1:", FakeMetadataService::kPort, "\n");
  size_t global = base.find("[Global]\n");
  if (global == std::string::npos) return "";
  base.insert(global + 9, url);
  base += StrCat("\n[Metadata]\nsearch-order=", search_order, "\n");
  std::string path = StrCat("/byok/", name);
  std::ofstream(path) << base;
  chmod(path.c_str(), 0600);
  return path;
}

// ------------------------------------------------------------------------------ environment
struct World {
  FakeMetadataService metadata;
  json plan;
  std::unique_ptr<PluginProcess> plugin;
  std::unique_ptr<cloud::OpenStackCloudAccess> access;
  cloud::Clients clients;
};
World* world = nullptr;

class GuestEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    world = new World;
    world->plan = json::parse(Slurp(kPlanPath), nullptr, false);
    ASSERT_FALSE(world->plan.is_discarded()) << "no plan at " << kPlanPath;
    std::vector<std::string> warnings;
    auto config = openstack::LoadCloudConfigFile(kCloudConf, &warnings);
    ASSERT_TRUE(config.ok()) << config.status();
    auto access = cloud::OpenStackCloudAccess::Create(config->Clone(),
                                                      std::make_shared<openstack::HttpStats>());
    ASSERT_TRUE(access.ok()) << access.status();
    world->access = *std::move(access);
    auto clients = world->access->ForDriver(absl::Now() + absl::Minutes(1));
    ASSERT_TRUE(clients.ok()) << clients.status();
    world->clients = *std::move(clients);
    ASSERT_TRUE(world->metadata.Start()) << "cannot serve the fake metadata service";
    std::string conf = CloudConfWithMetadata("metadataService", "cloud-plugin.conf");
    ASSERT_FALSE(conf.empty()) << "no [Global] in the lab's cloud.conf";
    absl::Time start = absl::Now();
    auto plugin = PluginProcess::Start(
        {"--mode=node", "--node-id=vm-node-1", "--cloud-config=" + conf, "--v=2"},
        absl::Seconds(60));
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    world->plugin = *std::move(plugin);
    std::printf("plugin serving after %s\n", absl::FormatDuration(absl::Now() - start).c_str());
  }
  void TearDown() override {
    if (world == nullptr) return;
    if (world->plugin) {
      std::string log = world->plugin->Log();
      std::printf("----- plugin log -----\n%s----- end of plugin log -----\n", log.c_str());
      world->plugin->StopWith(SIGTERM, absl::Seconds(10));
    }
    delete world;
    world = nullptr;
  }
};

// ------------------------------------------------------------------------------ helpers
struct Vol {
  std::string scenario;
  std::string id;
  std::string name;
  std::string Device() const {
    std::error_code ec;
    auto p = fs::canonical("/dev/disk/by-id/virtio-" + id.substr(0, 20), ec);
    return ec ? "" : p.string();
  }
  std::string Mapper() const { return "/dev/mapper/byok-" + id; }
  std::string Staging(bool block = false) const {
    return block
               ? StrCat(kKubelet, "/plugins/kubernetes.io/csi/volumeDevices/staging/pv-", scenario)
               : StrCat(kKubelet, "/plugins/kubernetes.io/csi/byok.cinder.csi.openstack.org/",
                        scenario, "/globalmount");
  }
  std::string Target(bool block = false, const std::string& pod = "pod-1") const {
    return block ? StrCat(kKubelet, "/plugins/kubernetes.io/csi/volumeDevices/publish/pv-",
                          scenario, "/", pod)
                 : StrCat(kKubelet, "/pods/", pod, "/volumes/kubernetes.io~csi/pv-", scenario,
                          "/mount");
  }
};

Vol Volume(const std::string& scenario) {
  const json& v = world->plan["volumes"][scenario];
  return {scenario, v.value("id", ""), v.value("name", "")};
}

std::string TenantKey() { return world->plan["tenant_key_id"]; }

::csi::v1::VolumeCapability Capability(bool block, const std::string& fs_type = "") {
  ::csi::v1::VolumeCapability cap;
  if (block) {
    cap.mutable_block();
  } else {
    cap.mutable_mount()->set_fs_type(fs_type);
  }
  cap.mutable_access_mode()->set_mode(::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  return cap;
}

template <typename Request, typename Response>
grpc::Status Call(std::string_view method, const Request& request, Response* response) {
  absl::Time start = absl::Now();
  grpc::Status s = world->plugin->client().Call(csi::Client::FindMethod(method), request, response,
                                                absl::Seconds(120));
  std::printf("  %s -> %s%s%s (%.2f s)\n", std::string(method).c_str(),
              s.ok() ? "OK" : std::to_string(s.error_code()).c_str(), s.ok() ? "" : ": ",
              s.error_message().c_str(), absl::ToDoubleSeconds(absl::Now() - start));
  return s;
}

grpc::Status Stage(const Vol& v, bool block, const std::string& fs_type = "",
                   std::string key_id = "", const std::string& previous_key_ids = "") {
  ::csi::v1::NodeStageVolumeRequest r;
  r.set_volume_id(v.id);
  r.set_staging_target_path(v.Staging(block));
  *r.mutable_volume_capability() = Capability(block, fs_type);
  (*r.mutable_secrets())["keyID"] = key_id.empty() ? TenantKey() : key_id;
  if (!previous_key_ids.empty()) (*r.mutable_secrets())["previousKeyIDs"] = previous_key_ids;
  (*r.mutable_volume_context())["storage.kubernetes.io/csiProvisionerIdentity"] = "e2e";
  if (block) fs::create_directories(v.Staging(true));  // kubelet makes the block staging dir
  ::csi::v1::NodeStageVolumeResponse response;
  return Call("NodeStageVolume", r, &response);
}

grpc::Status Unstage(const Vol& v, bool block) {
  ::csi::v1::NodeUnstageVolumeRequest r;
  r.set_volume_id(v.id);
  r.set_staging_target_path(v.Staging(block));
  ::csi::v1::NodeUnstageVolumeResponse response;
  return Call("NodeUnstageVolume", r, &response);
}

grpc::Status Publish(const Vol& v, bool block, bool readonly = false,
                     const std::string& pod = "pod-1") {
  ::csi::v1::NodePublishVolumeRequest r;
  r.set_volume_id(v.id);
  r.set_staging_target_path(v.Staging(block));
  r.set_target_path(v.Target(block, pod));
  r.set_readonly(readonly);
  *r.mutable_volume_capability() = Capability(block);
  fs::create_directories(fs::path(v.Target(block, pod)).parent_path());  // kubelet does
  ::csi::v1::NodePublishVolumeResponse response;
  return Call("NodePublishVolume", r, &response);
}

grpc::Status Unpublish(const Vol& v, bool block, const std::string& pod = "pod-1") {
  ::csi::v1::NodeUnpublishVolumeRequest r;
  r.set_volume_id(v.id);
  r.set_target_path(v.Target(block, pod));
  ::csi::v1::NodeUnpublishVolumeResponse response;
  return Call("NodeUnpublishVolume", r, &response);
}

grpc::Status Stats(const Vol& v, const std::string& path,
                   ::csi::v1::NodeGetVolumeStatsResponse* response) {
  ::csi::v1::NodeGetVolumeStatsRequest r;
  r.set_volume_id(v.id);
  r.set_volume_path(path);
  return Call("NodeGetVolumeStats", r, response);
}

void WriteFile(const std::string& path, const std::string& data) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
}

std::string ReadBytes(const std::string& path, off_t offset, size_t size) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "";
  std::string data(size, '\0');
  ssize_t n = pread(fd, data.data(), size, offset);
  close(fd);
  data.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return data;
}

void WriteBytes(const std::string& path, off_t offset, const std::string& data) {
  int fd = open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(pwrite(fd, data.data(), data.size(), offset), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
}

// The LUKS UUID (offset 168 in LUKS1 and LUKS2 headers) and version (offset 6, big endian).
std::string LuksUuid(const std::string& device) {
  std::string uuid = ReadBytes(device, 168, 40);
  return uuid.substr(0, uuid.find('\0'));
}
int LuksVersion(const std::string& device) {
  std::string head = ReadBytes(device, 0, 8);
  if (head.size() < 8 || head.compare(0, 6, "LUKS\xba\xbe") != 0) return 0;
  return (static_cast<unsigned char>(head[6]) << 8) | static_cast<unsigned char>(head[7]);
}

bool AllZero(const std::string& data) { return data.find_first_not_of('\0') == std::string::npos; }

std::string CinderLuksState(const Vol& v) {
  auto md = world->clients.cinder->GetVolumeMetadata(
      openstack::CallOptions::WithTimeout(absl::Seconds(30)), v.id);
  if (!md.ok()) return "<" + std::string(md.status().message()) + ">";
  auto it = md->find(envelope::kMetaLuks);
  return it == md->end() ? "" : it->second;
}

std::string Marker(const std::string& scenario) {
  return world->plan["markers"].value(scenario, "marker-" + scenario);
}

bool Exists(const std::string& path) { return fs::exists(path); }

// ------------------------------------------------------------------------------ scenarios
#define SCENARIO(name) std::printf("=== scenario: %s\n", name)

constexpr char kTopologyKey[] = "topology.cinder.csi.openstack.org/zone";

TEST(NodeE2e, NodeInfoAndCapabilities) {
  SCENARIO("NodeGetInfo: --node-id, AZ from the (configurable) metadata service");
  ::csi::v1::NodeGetInfoResponse info;
  ASSERT_TRUE(Call("NodeGetInfo", ::csi::v1::NodeGetInfoRequest(), &info).ok());
  EXPECT_EQ(info.node_id(), "vm-node-1");
  EXPECT_EQ(info.accessible_topology().segments().at(kTopologyKey), FakeMetadataService::kZone);
  EXPECT_GT(info.max_volumes_per_node(), 0);
  EXPECT_GE(world->metadata.requests.load(), 1);
  ::csi::v1::NodeGetCapabilitiesResponse caps;
  ASSERT_TRUE(Call("NodeGetCapabilities", ::csi::v1::NodeGetCapabilitiesRequest(), &caps).ok());
  EXPECT_EQ(caps.capabilities_size(), 4);
}

TEST(NodeE2e, NodeIdFromTheConfigDrive) {
  SCENARIO("NodeGetInfo without --node-id: Nova instance UUID from a config-2 drive");
  // A config drive: a filesystem labelled config-2 with openstack/latest/meta_data.json, on a
  // loop device (Nova's is iso9660 or vfat; the plugin lets libmount detect the type).
  fs::create_directories("/tmp/config-drive/openstack/latest");
  std::ofstream("/tmp/config-drive/openstack/latest/meta_data.json")
      << R"({"uuid": "5d3c2f1e-0000-4000-8000-00000000c0de", "availability_zone": "cd-az"})";
  ASSERT_EQ(std::system("mkfs.ext4 -q -L config-2 -d /tmp/config-drive /tmp/config-drive.img 8M"
                        " && losetup -f --show /tmp/config-drive.img > /tmp/config-drive.loop"),
            0);
  std::string conf = CloudConfWithMetadata("configDrive", "cloud-configdrive.conf");
  auto plugin = PluginProcess::Start({"--mode=node", "--cloud-config=" + conf}, absl::Seconds(60));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  ::csi::v1::NodeGetInfoResponse info;
  grpc::Status s =
      (*plugin)->client().Call(csi::Client::FindMethod("NodeGetInfo"),
                               ::csi::v1::NodeGetInfoRequest(), &info, absl::Seconds(60));
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << (*plugin)->Log();
  EXPECT_EQ(info.node_id(), "5d3c2f1e-0000-4000-8000-00000000c0de");
  EXPECT_EQ(info.accessible_topology().segments().at(kTopologyKey), "cd-az");
  (*plugin)->StopWith(SIGTERM, absl::Seconds(10));
  std::string loop(StripWhitespace(Slurp("/tmp/config-drive.loop")));
  EXPECT_EQ(std::system(StrCat("losetup -d ", loop).c_str()), 0) << "config drive left mounted?";
}

TEST(NodeE2e, FileModeStagePublishWriteRestageReadBack) {
  SCENARIO("file mode: stage/publish/write/unpublish/unstage/restage/read back");
  Vol v = Volume("file");
  ASSERT_FALSE(v.Device().empty()) << "disk of " << v.id << " not attached";
  EXPECT_EQ(CinderLuksState(v), "pending");
  ASSERT_TRUE(Stage(v, false).ok());
  EXPECT_EQ(CinderLuksState(v), "formatted");
  EXPECT_EQ(LuksVersion(v.Device()), 2);
  std::string uuid = LuksUuid(v.Device());
  EXPECT_TRUE(Exists(v.Mapper()));
  // The pinned format, read back with cryptsetup's own dump.
  ASSERT_EQ(std::system(StrCat("cryptsetup luksDump ", v.Device(), " > /tmp/dump.txt").c_str()), 0);
  std::string dump = Slurp("/tmp/dump.txt");
  EXPECT_THAT(dump, HasSubstr("aes-xts-plain64"));
  EXPECT_THAT(dump, ::testing::ContainsRegex("sector: *4096"));
  EXPECT_THAT(dump, ::testing::ContainsRegex("Cipher key: *512 bits"));
  EXPECT_THAT(dump, ::testing::ContainsRegex("PBKDF: *pbkdf2"));
  EXPECT_THAT(dump, ::testing::ContainsRegex("Hash: *sha256"));
  EXPECT_THAT(dump, ::testing::ContainsRegex("Iterations: *1000\n"));
  // The volume key is in the dm table, not in the kernel keyring (resize needs no passphrase).
  ASSERT_EQ(std::system(StrCat("dmsetup table byok-", v.id, " > /tmp/table.txt").c_str()), 0);
  EXPECT_THAT(Slurp("/tmp/table.txt"), HasSubstr(" crypt aes-xts-plain64 "));
  EXPECT_THAT(Slurp("/tmp/table.txt"), ::testing::Not(HasSubstr(":logon:")));
  ASSERT_TRUE(Stage(v, false).ok()) << "stage is idempotent";
  ASSERT_TRUE(Publish(v, false).ok());
  ASSERT_TRUE(Publish(v, false).ok()) << "publish is idempotent";
  WriteFile(v.Target() + "/hello.txt", Marker("file"));
  ::csi::v1::NodeGetVolumeStatsResponse stats;
  ASSERT_TRUE(Stats(v, v.Target(), &stats).ok());
  ASSERT_EQ(stats.usage_size(), 2);
  EXPECT_GT(stats.usage(0).total(), 900 << 20);
  EXPECT_GT(stats.usage(1).total(), 0);
  EXPECT_FALSE(stats.volume_condition().abnormal());
  ASSERT_TRUE(Unpublish(v, false).ok());
  EXPECT_FALSE(Exists(v.Target()));
  ASSERT_TRUE(Unpublish(v, false).ok()) << "unpublish is idempotent";
  ASSERT_TRUE(Unstage(v, false).ok());
  EXPECT_FALSE(Exists(v.Mapper())) << "unstage closes the mapping";
  ASSERT_TRUE(Unstage(v, false).ok()) << "unstage is idempotent";
  ASSERT_TRUE(Stats(v, v.Staging(), &stats).ok());
  EXPECT_TRUE(stats.volume_condition().abnormal()) << "not mounted any more";

  ASSERT_TRUE(Stage(v, false).ok());
  EXPECT_EQ(LuksUuid(v.Device()), uuid) << "restage must not reformat";
  ASSERT_TRUE(Publish(v, false, /*readonly=*/true, "pod-2").ok());
  EXPECT_EQ(Slurp(v.Target(false, "pod-2") + "/hello.txt"), Marker("file"));
  int fd = open((v.Target(false, "pod-2") + "/new.txt").c_str(), O_WRONLY | O_CREAT, 0644);
  int err = errno;
  EXPECT_LT(fd, 0) << "a read-only publish must refuse writes";
  EXPECT_EQ(err, EROFS);
  if (fd >= 0) close(fd);
  ASSERT_TRUE(Unpublish(v, false, "pod-2").ok());
  ASSERT_TRUE(Unstage(v, false).ok());
}

TEST(NodeE2e, BlockModeStagePublishWriteRestageReadBack) {
  SCENARIO("block mode: stage/publish/write/unpublish/unstage/restage/read back");
  Vol v = Volume("block");
  ASSERT_TRUE(Stage(v, true).ok());
  ASSERT_TRUE(Publish(v, true).ok());
  ASSERT_TRUE(Publish(v, true).ok()) << "publish is idempotent";
  struct stat st;
  ASSERT_EQ(stat(v.Target(true).c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode)) << "the target file is the mapping's device node";
  WriteBytes(v.Target(true), 1 << 20, Marker("block"));
  ::csi::v1::NodeGetVolumeStatsResponse stats;
  ASSERT_TRUE(Stats(v, v.Target(true), &stats).ok());
  ASSERT_GE(stats.usage_size(), 1);
  EXPECT_EQ(stats.usage(0).total(), kGiB - kLuks2Header);
  ASSERT_TRUE(Unpublish(v, true).ok());
  EXPECT_FALSE(Exists(v.Target(true)));
  ASSERT_TRUE(Unstage(v, true).ok());
  EXPECT_FALSE(Exists(v.Mapper()));
  ASSERT_TRUE(Stage(v, true).ok());
  ASSERT_TRUE(Publish(v, true, false, "pod-2").ok());
  EXPECT_EQ(ReadBytes(v.Target(true, "pod-2"), 1 << 20, Marker("block").size()), Marker("block"));
  ASSERT_TRUE(Unpublish(v, true, "pod-2").ok());
  ASSERT_TRUE(Unstage(v, true).ok());
}

TEST(NodeE2e, WrongKeyIsRejectedAndNothingIsTouched) {
  SCENARIO("wrong key rejected, disk untouched");
  Vol v = Volume("wrongkey");
  grpc::Status s = Stage(v, false, "", world->plan["wrong_key_id"]);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"keyID\""));
  EXPECT_THAT(s.error_message(), HasSubstr(v.id));
  EXPECT_TRUE(AllZero(ReadBytes(v.Device(), 0, 4 << 20))) << "the disk was written";
  EXPECT_EQ(CinderLuksState(v), "pending");
  EXPECT_FALSE(Exists(v.Mapper()));
  // The right key still works afterwards.
  ASSERT_TRUE(Stage(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
}

// The guest reaches Barbican only through its socat forwarder for that port (see README):
// killing every socat of the port makes Barbican unreachable from this node, as a network
// partition or a Barbican outage would. Returns the forwarder's argv, to start it again.
std::vector<std::string> CutForwarder(const std::string& port) {
  std::vector<std::string> argv;
  const std::string listen = StrCat("TCP-LISTEN:", port, ",");
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(entry.path() / "cmdline");
    if (cmdline.rfind("socat", 0) != 0 || cmdline.find(listen) == std::string::npos) continue;
    if (argv.empty()) {
      for (std::string_view arg : Split(cmdline, '\0'))
        if (!arg.empty()) argv.emplace_back(arg);
    }
    kill(std::stoi(pid), SIGKILL);
  }
  return argv;
}

void StartForwarder(const std::vector<std::string>& argv, const std::string& port) {
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  // Until the port accepts connections again.
  for (int i = 0; i < 100; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (up) return;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << "the Barbican forwarder did not come back on port " << port;
}

TEST(NodeE2e, BarbicanUnreachableThenBack) {
  SCENARIO("Barbican unreachable during stage: UNAVAILABLE, nothing touched; then it stages");
  Vol v = Volume("nobarbican");
  std::string port = Slurp("/byok/barbican-port");
  while (!port.empty() && std::isspace(static_cast<unsigned char>(port.back()))) port.pop_back();
  ASSERT_FALSE(port.empty()) << "no /byok/barbican-port";
  std::vector<std::string> forwarder = CutForwarder(port);
  ASSERT_FALSE(forwarder.empty()) << "no socat forwarder for port " << port;
  grpc::Status s = Stage(v, false);
  StartForwarder(forwarder, port);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("keyID"));
  EXPECT_TRUE(AllZero(ReadBytes(v.Device(), 0, 4 << 20))) << "the disk was written";
  EXPECT_EQ(CinderLuksState(v), "pending");
  EXPECT_FALSE(Exists(v.Mapper()));
  EXPECT_FALSE(Exists(v.Staging() + "/lost+found")) << "something is mounted at the staging path";
  // Barbican reachable again: kubelet's retry stages the volume.
  ASSERT_TRUE(Stage(v, false).ok());
  EXPECT_EQ(CinderLuksState(v), "formatted");
  ASSERT_TRUE(Unstage(v, false).ok());
}

TEST(NodeE2e, CrashBetweenFormatAndStateUpdateRestagesWithoutReformat) {
  SCENARIO("crash between LUKS format and the Cinder state update -> restage, no reformat");
  Vol v = Volume("crash");
  ASSERT_TRUE(Stage(v, false).ok());
  ASSERT_TRUE(Publish(v, false).ok());
  WriteFile(v.Target() + "/hello.txt", Marker("crash"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  std::string uuid = LuksUuid(v.Device());
  // What a crash right after the format leaves: a LUKS header, Cinder still saying pending.
  auto md = world->clients.cinder->UpdateVolumeMetadata(
      openstack::CallOptions::WithTimeout(absl::Seconds(30)), v.id,
      {{envelope::kMetaLuks, "pending"}});
  ASSERT_TRUE(md.ok()) << md.status();
  ASSERT_EQ(CinderLuksState(v), "pending");
  ASSERT_TRUE(Stage(v, false).ok());
  EXPECT_EQ(LuksUuid(v.Device()), uuid) << "reformatted!";
  EXPECT_EQ(CinderLuksState(v), "formatted");
  ASSERT_TRUE(Publish(v, false).ok());
  EXPECT_EQ(Slurp(v.Target() + "/hello.txt"), Marker("crash"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
}

TEST(NodeE2e, DeviceWithDataAndStatePendingIsRefusedDataIntact) {
  SCENARIO("device with data and state pending -> refused, data intact");
  Vol v = Volume("data");
  std::string before = ReadBytes(v.Device(), 0, 64 << 20);
  ASSERT_FALSE(AllZero(before)) << "the host should have put a filesystem there";
  grpc::Status s = Stage(v, false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("ext4"));
  EXPECT_TRUE(ReadBytes(v.Device(), 0, 64 << 20) == before) << "the data changed";
  EXPECT_EQ(CinderLuksState(v), "pending");
  EXPECT_FALSE(Exists(v.Mapper()));
}

// Cinder's extend, the hypervisor's block resize, then NodeExpandVolume grows the LUKS
// mapping and the filesystem (resize2fs for ext4, xfs_growfs for xfs) under the mount.
void ExpandOnline(const std::string& scenario, const std::string& fs_type) {
  Vol v = Volume(scenario);
  ASSERT_TRUE(Stage(v, false, fs_type).ok());
  ASSERT_TRUE(Publish(v, false).ok());
  WriteFile(v.Target() + "/hello.txt", Marker(scenario));
  ::csi::v1::NodeGetVolumeStatsResponse before;
  ASSERT_TRUE(Stats(v, v.Target(), &before).ok());

  auto call = openstack::CallOptions::WithTimeout(absl::Seconds(60));
  ASSERT_TRUE(world->clients.cinder->ExtendVolume(call, v.id, 2).ok());
  absl::Time deadline = absl::Now() + absl::Seconds(90);
  while (true) {
    auto volume = world->clients.cinder->GetVolume(call, v.id);
    ASSERT_TRUE(volume.ok()) << volume.status();
    if (volume->status == "available" && volume->size_gib == 2) break;
    ASSERT_FALSE(StartsWith(volume->status, "error")) << volume->status;
    ASSERT_LT(absl::Now(), deadline) << "Cinder extend stuck in " << volume->status;
    absl::SleepFor(absl::Milliseconds(300));
  }
  // The hypervisor's part (Nova: virDomainBlockResize).
  std::string dev = fs::path(v.Device()).filename().string();
  ASSERT_EQ(std::system(StrCat("vm-host-resize ", dev, " 2G").c_str()), 0);

  ::csi::v1::NodeExpandVolumeRequest r;
  r.set_volume_id(v.id);
  r.set_volume_path(v.Target());
  r.mutable_capacity_range()->set_required_bytes(2 * kGiB);
  *r.mutable_volume_capability() = Capability(false);
  ::csi::v1::NodeExpandVolumeResponse response;
  ASSERT_TRUE(Call("NodeExpandVolume", r, &response).ok());
  EXPECT_EQ(response.capacity_bytes(), 2 * kGiB - kLuks2Header);
  ::csi::v1::NodeGetVolumeStatsResponse after;
  ASSERT_TRUE(Stats(v, v.Target(), &after).ok());
  EXPECT_GT(after.usage(0).total(), before.usage(0).total() + (900 << 20));
  EXPECT_EQ(Slurp(v.Target() + "/hello.txt"), Marker(scenario));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
}

TEST(NodeE2e, OnlineExpand) {
  SCENARIO("online expand (ext4): Cinder extend + host block_resize + NodeExpandVolume");
  ExpandOnline("expand", "ext4");
}

TEST(NodeE2e, OnlineExpandXfs) {
  SCENARIO("online expand (xfs): Cinder extend + host block_resize + NodeExpandVolume");
  ExpandOnline("expandxfs", "xfs");
}

TEST(NodeE2e, CinderModeOsBrickLuks1Opens) {
  SCENARIO("cinder mode interop: LUKS1 formatted the os-brick way opens");
  Vol v = Volume("luks1");
  // os-brick's LuksEncryptor._format_volume, verbatim: passphrase = hex(key) on stdin.
  std::string cmd = StrCat("cryptsetup --batch-mode luksFormat --type luks1 --key-file=- ",
                           v.Device(), " < ", kLuks1Pass);
  absl::Time start = absl::Now();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::printf("  os-brick style luksFormat: %.2f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  ASSERT_EQ(LuksVersion(v.Device()), 1);
  std::string uuid = LuksUuid(v.Device());
  ASSERT_TRUE(Stage(v, false, "xfs").ok());
  ASSERT_TRUE(Publish(v, false).ok());
  WriteFile(v.Target() + "/hello.txt", Marker("luks1"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  EXPECT_EQ(LuksVersion(v.Device()), 1);
  EXPECT_EQ(LuksUuid(v.Device()), uuid);
  // The way back: os-brick's own open reads what the plugin wrote.
  cmd = StrCat("cryptsetup luksOpen --key-file=- ", v.Device(), " osbrick-check < ", kLuks1Pass,
               " && mkdir -p /mnt/osbrick && mount -o ro,nouuid /dev/mapper/osbrick-check "
               "/mnt/osbrick && cat /mnt/osbrick/hello.txt > /tmp/osbrick.txt; "
               "umount /mnt/osbrick; cryptsetup luksClose osbrick-check");
  std::system(cmd.c_str());
  EXPECT_EQ(Slurp("/tmp/osbrick.txt"), Marker("luks1"));
}

TEST(NodeE2e, CinderModeHypervisorDecryptedMountsAsIs) {
  SCENARIO("cinder mode: encrypted type decrypted by QEMU (as Nova does) mounts as plaintext");
  if (!world->plan["volumes"].contains("qemuenc")) GTEST_SKIP() << "no encrypted volume type";
  Vol v = Volume("qemuenc");
  EXPECT_EQ(LuksVersion(v.Device()), 0) << "the guest must see plaintext";
  // The node-stage Secret must name the key the volume is bound to: here Cinder's own, as the
  // harness made the volume with a stock encrypted type.
  const std::string key_id = world->plan["volumes"]["qemuenc"].value("key_id", "");
  ASSERT_TRUE(Stage(v, false, "", key_id).ok());
  EXPECT_FALSE(Exists(v.Mapper())) << "no second encryption layer";
  ASSERT_TRUE(Publish(v, false).ok());
  WriteFile(v.Target() + "/hello.txt", Marker("qemuenc"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  EXPECT_THAT(world->plugin->Log(), HasSubstr("the hypervisor decrypts it"));
}

TEST(NodeE2e, NoKeyMaterialInLogsArgvOrEnvironment) {
  std::string hex = Slurp(kLuks1Pass);
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_THAT(world->plugin->Log(), ::testing::Not(HasSubstr(hex)));
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::to_string(getpid()) == pid) continue;
    EXPECT_THAT(Slurp(entry.path() / "cmdline"), ::testing::Not(HasSubstr(hex))) << pid;
    EXPECT_THAT(Slurp(entry.path() / "environ"), ::testing::Not(HasSubstr(hex))) << pid;
  }
}

// ------------------------------------------------------------------------------ the chain
// tests/vm/chain.sh: the driver's controller made these volumes on the host (create; then
// snapshot, restore and clone between the two boots); the node stages what it made.

TEST(NodeChain, StagesAndWritesTheVolumeTheControllerCreated) {
  SCENARIO("chain, boot 1: the controller's new volume is formatted, written, unstaged");
  Vol v = Volume("chain-source");
  ASSERT_FALSE(v.id.empty()) << "no chain-source in the plan (run by chain.sh)";
  ASSERT_FALSE(v.Device().empty()) << "disk of " << v.id << " not attached";
  EXPECT_EQ(CinderLuksState(v), "pending") << "as CreateVolume left it";
  ASSERT_TRUE(Stage(v, false, "ext4").ok());
  EXPECT_EQ(LuksVersion(v.Device()), 2);
  EXPECT_EQ(CinderLuksState(v), "formatted");
  ASSERT_TRUE(Publish(v, false).ok());
  WriteFile(v.Target() + "/chain.txt", Marker("chain"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  EXPECT_FALSE(Exists(v.Mapper()));
}

// Stages a copy the controller made from the source with `key_id` and reads the source's file
// back: the header is the source's (same LUKS UUID), and staging does not reformat it.
void StageAndReadBack(const Vol& v, const std::string& key_id, const std::string& source_uuid) {
  ASSERT_FALSE(v.Device().empty()) << "disk of " << v.id << " not attached";
  EXPECT_EQ(LuksUuid(v.Device()), source_uuid) << "the source's header, copied by Cinder";
  ASSERT_TRUE(Stage(v, false, "ext4", key_id).ok());
  EXPECT_EQ(LuksUuid(v.Device()), source_uuid) << "staging must not reformat a copy";
  EXPECT_EQ(CinderLuksState(v), "formatted");
  ASSERT_TRUE(Publish(v, false).ok());
  EXPECT_EQ(Slurp(v.Target() + "/chain.txt"), Marker("chain"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  EXPECT_FALSE(Exists(v.Mapper()));
}

// Boot 2: the host's controller cloned, snapshotted and restored the source under the first
// key, then rotated the source (so its snapshot) and the clone to the second key, restored the
// snapshot again, and deleted the first key.
TEST(NodeChain, AfterRotationTheCopiesOpenUnderTheNewKeyAndTheRevokedOneIsRefused) {
  SCENARIO("chain, boot 2: rotated clone and post-rotation restore open; revoked key refused");
  const std::string source_uuid = world->plan.value("source_luks_uuid", "");
  const std::string rotated = world->plan.value("rotated_key_id", "");
  ASSERT_FALSE(source_uuid.empty() || rotated.empty()) << "run by chain.sh";
  {
    SCOPED_TRACE("the clone, rotated while unstaged");
    StageAndReadBack(Volume("chain-clone"), rotated, source_uuid);
  }
  {
    SCOPED_TRACE("the snapshot restored after the rotation");
    StageAndReadBack(Volume("chain-restore-after"), rotated, source_uuid);
  }
  // The restore made before the rotation is still under the first key, which is gone.
  Vol revoked = Volume("chain-restore");
  ASSERT_FALSE(revoked.Device().empty());
  grpc::Status s = Stage(revoked, false, "ext4");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr(TenantKey()));
  EXPECT_THAT(s.error_message(), HasSubstr("volume " + revoked.id));
  EXPECT_THAT(s.error_message(), HasSubstr("Secret key keyID"));
  EXPECT_FALSE(Exists(revoked.Mapper()));
  EXPECT_EQ(LuksUuid(revoked.Device()), source_uuid) << "nothing on the disk changed";
  EXPECT_EQ(CinderLuksState(revoked), "formatted");
}

// The source (and its snapshot) is under the second key since the host's rotation; a stage
// whose Secret names the third key and lists the second in previousKeyIDs moves the volume
// and its snapshot's copy of the data key to the third, and opens the volume.
TEST(NodeChain, AfterRotationAStageWithPreviousKeyIdsMovesTheSnapshotsToo) {
  SCENARIO("chain, boot 2: rotation at NodeStage moves the volume's snapshot too");
  const std::string rotated = world->plan.value("rotated_key_id", "");
  const std::string third = world->plan.value("third_key_id", "");
  const std::string snapshot_id = world->plan.value("snapshot_id", "");
  ASSERT_FALSE(rotated.empty() || third.empty() || snapshot_id.empty()) << "run by chain.sh";
  auto snapshot_key = [&]() -> std::string {
    auto snapshot = world->clients.cinder->GetSnapshot(
        openstack::CallOptions::WithTimeout(absl::Seconds(30)), snapshot_id);
    if (!snapshot.ok()) return "<" + std::string(snapshot.status().message()) + ">";
    auto it = snapshot->metadata.find(envelope::kMetaKeyId);
    return it == snapshot->metadata.end() ? "" : it->second;
  };
  EXPECT_EQ(snapshot_key(), rotated);
  Vol v = Volume("chain-source");
  const std::string uuid = LuksUuid(v.Device());
  ASSERT_TRUE(Stage(v, false, "ext4", third, rotated).ok());
  EXPECT_EQ(LuksUuid(v.Device()), uuid) << "rotation never reformats";
  EXPECT_EQ(snapshot_key(), third);
  ASSERT_TRUE(Publish(v, false).ok());
  EXPECT_EQ(Slurp(v.Target() + "/chain.txt"), Marker("chain"));
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
}

// A volume rotated while it is staged: the open mapping holds the volume key, so the mount
// keeps working; the old key no longer stages it, the new one does, and the data is there.
TEST(NodeChain, AfterRotationOfAStagedVolumeTheMountKeepsWorkingAndTheNewKeyRestages) {
  SCENARIO("chain, boot 2: rotation under a mounted volume (the controller runs in the guest)");
  const std::string rotated = world->plan.value("rotated_key_id", "");
  const std::string third = world->plan.value("third_key_id", "");
  ASSERT_FALSE(rotated.empty() || third.empty()) << "run by chain.sh";
  auto controller = PluginProcess::Start(
      {"--mode=controller", StrCat("--cloud-config=", kCloudConf), "--cluster=vm-chain"},
      absl::Seconds(60));
  ASSERT_TRUE(controller.ok()) << controller.status();
  Vol v = Volume("chain-restore-after");
  ASSERT_TRUE(Stage(v, false, "ext4", rotated).ok());
  ASSERT_TRUE(Publish(v, false).ok());
  WriteFile(v.Target() + "/before.txt", "written before the rotation");

  ::csi::v1::ControllerModifyVolumeRequest modify;
  modify.set_volume_id(v.id);
  (*modify.mutable_secrets())["keyID"] = third;
  (*modify.mutable_mutable_parameters())["keyRotation"] = "vm-chain-staged";
  ::csi::v1::ControllerModifyVolumeResponse modified;
  grpc::Status s = (*controller)
                       ->client()
                       .Call(csi::Client::FindMethod("ControllerModifyVolume"), modify, &modified,
                             absl::Seconds(120));
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << (*controller)->Log();
  WriteFile(v.Target() + "/after.txt", "written after the rotation");
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());

  s = Stage(v, false, "ext4", rotated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << "the old key is not the "
                                                                 << "volume's any more";
  ASSERT_TRUE(Stage(v, false, "ext4", third).ok());
  ASSERT_TRUE(Publish(v, false).ok());
  EXPECT_EQ(Slurp(v.Target() + "/chain.txt"), Marker("chain"));
  EXPECT_EQ(Slurp(v.Target() + "/before.txt"), "written before the rotation");
  EXPECT_EQ(Slurp(v.Target() + "/after.txt"), "written after the rotation");
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  (*controller)->StopWith(SIGTERM, absl::Seconds(10));
}

// The tenant pointed the Secret at a fourth key before any rotation ran and lists the
// volume's key (the third) in previousKeyIDs: the stage moves the volume to the fourth key and
// opens it; afterwards the fourth key alone stages it. Runs after the staged rotation above.
TEST(NodeChain, AfterRotationAStageWithPreviousKeyIdsMovesTheVolumeToTheSecretsKey) {
  SCENARIO("chain, boot 2: rotation at NodeStage (keyID new, previousKeyIDs old)");
  const std::string third = world->plan.value("third_key_id", "");
  const std::string fourth = world->plan.value("fourth_key_id", "");
  ASSERT_FALSE(third.empty() || fourth.empty()) << "run by chain.sh";
  Vol v = Volume("chain-restore-after");
  const std::string uuid = LuksUuid(v.Device());
  ASSERT_TRUE(Stage(v, false, "ext4", fourth, StrCat(TenantKey(), ", ", third)).ok());
  EXPECT_EQ(LuksUuid(v.Device()), uuid) << "rotation never reformats";
  ASSERT_TRUE(Publish(v, false).ok());
  EXPECT_EQ(Slurp(v.Target() + "/after.txt"), "written after the rotation");
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  ASSERT_TRUE(Stage(v, false, "ext4", fourth).ok()) << "the fourth key alone opens it now";
  ASSERT_TRUE(Unstage(v, false).ok());
  EXPECT_THAT(world->plugin->Log(), HasSubstr("volume key rotated at stage"));
}

// The fourth key deleted while the volume is open: the mount keeps working (the mapping holds
// the volume key) and NodeGetVolumeStats says the key is gone, so kubelet can report it.
// Runs last: the key stays deleted.
TEST(NodeChain, AfterRotationAVolumeOpenWhenItsKeyIsDeletedShowsItInStats) {
  SCENARIO("chain, boot 2: key deleted under an open volume -> VolumeCondition abnormal");
  const std::string fourth = world->plan.value("fourth_key_id", "");
  ASSERT_FALSE(fourth.empty()) << "run by chain.sh";
  Vol v = Volume("chain-restore-after");
  ASSERT_TRUE(Stage(v, false, "ext4", fourth).ok());
  ASSERT_TRUE(Publish(v, false).ok());
  ASSERT_TRUE(world->clients.barbican
                  ->DeleteSecret(openstack::CallOptions::WithTimeout(absl::Seconds(30)), fourth)
                  .ok());
  ::csi::v1::NodeGetVolumeStatsResponse stats;
  ASSERT_TRUE(Stats(v, v.Target(), &stats).ok());
  EXPECT_TRUE(stats.volume_condition().abnormal());
  EXPECT_THAT(stats.volume_condition().message(),
              HasSubstr("Barbican key " + fourth + " of this volume was deleted or has expired"));
  EXPECT_EQ(stats.usage_size(), 2) << "the filesystem still answers";
  EXPECT_EQ(Slurp(v.Target() + "/after.txt"), "written after the rotation");
  ASSERT_TRUE(Unpublish(v, false).ok());
  ASSERT_TRUE(Unstage(v, false).ok());
  grpc::Status s = Stage(v, false, "ext4", fourth);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
}

}  // namespace
}  // namespace byok::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new byok::testing::GuestEnvironment);
  return RUN_ALL_TESTS();
}
