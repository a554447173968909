// byok-vm-bench: the guest side of tests/vm/bench.sh (a results file, not a timed test).
//   1. NodeStageVolume of an envelope volume, cold (first: Keystone token, Barbican, Cinder,
//      LUKS2 format, mkfs) and warm (restage after unstage: the key round trips + open + mount),
//      against `cryptsetup open` of a LUKS2 header made with cryptsetup's defaults (argon2id,
//      benchmarked here) and of one made with the driver's pinned pbkdf2 parameters.
//   2. Sequential direct I/O throughput of the raw disk vs the dm-crypt mapping (4096-byte
//      sectors), both with dd.
// Prints a markdown report on stdout.
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "csi/csi.pb.h"
#include "tests/conformance/plugin_process.h"

namespace byok::testing {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command (the bench's own tools, never the plugin's key material); returns its
// wall time in seconds, or -1 on failure.
double Timed(const std::string& command) {
  absl::Time start = absl::Now();
  int rc = std::system(command.c_str());
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (rc != 0) {
    std::fprintf(stderr, "command failed (%d): %s\n", rc, command.c_str());
    return -1;
  }
  return seconds;
}

double Median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Fmt(double seconds) { return seconds < 0 ? "n/a" : StrCat(seconds).substr(0, 5); }

// dd's "copied, S s, R MB/s": the rate part.
std::string DdRate(const std::string& command) {
  std::string out = "/tmp/dd.out";
  if (std::system(StrCat(command, " 2> ", out).c_str()) != 0) return "failed";
  std::string text = Slurp(out);
  size_t comma = text.rfind(", ");
  return comma == std::string::npos ? text : std::string(StripWhitespace(text.substr(comma + 2)));
}

int Run() {
  nlohmann::json plan = nlohmann::json::parse(Slurp("/byok/plan.json"), nullptr, false);
  std::string id = plan["volumes"]["bench"]["id"];
  std::string key_id = plan["tenant_key_id"];
  std::string device = fs::canonical("/dev/disk/by-id/virtio-" + id.substr(0, 20)).string();
  const int kRounds = 5;
  const char* kMiB = "256";

  std::printf("## Guest\n\n- kernel %s, %ld vCPUs (QEMU TCG), %ld MiB RAM\n\n",
              std::string(StripWhitespace(Slurp("/proc/sys/kernel/osrelease"))).c_str(),
              sysconf(_SC_NPROCESSORS_ONLN),
              sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) / (1 << 20));

  // Raw disk throughput first, while the disk is still blank (dd writes zeros: still blank).
  std::string raw_write = DdRate(StrCat("dd if=/dev/zero of=", device, " bs=1M count=", kMiB,
                                        " seek=64 oflag=direct conv=notrunc"));
  std::string raw_read =
      DdRate(StrCat("dd if=", device, " of=/dev/null bs=1M count=", kMiB, " skip=64 iflag=direct"));

  auto plugin = PluginProcess::Start(
      {"--mode=node", "--node-id=bench", "--cloud-config=/byok/cloud.conf"}, absl::Seconds(60));
  if (!plugin.ok()) {
    std::fprintf(stderr, "plugin: %s\n", std::string(plugin.status().message()).c_str());
    return 1;
  }
  auto call = [&](std::string_view method, const google::protobuf::Message& request,
                  google::protobuf::Message* response) {
    absl::Time start = absl::Now();
    grpc::Status s = (*plugin)->client().Call(csi::Client::FindMethod(method), request, response,
                                              absl::Seconds(120));
    if (!s.ok())
      std::fprintf(stderr, "%s: %s\n", std::string(method).c_str(), s.error_message().c_str());
    return s.ok() ? absl::ToDoubleSeconds(absl::Now() - start) : -1.0;
  };
  ::csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(id);
  stage.set_staging_target_path("/var/lib/kubelet/plugins/bench/globalmount");
  stage.mutable_volume_capability()->mutable_mount()->set_fs_type("ext4");
  stage.mutable_volume_capability()->mutable_access_mode()->set_mode(
      ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  (*stage.mutable_secrets())["keyID"] = key_id;
  ::csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(id);
  unstage.set_staging_target_path(stage.staging_target_path());
  ::csi::v1::NodeStageVolumeResponse sr;
  ::csi::v1::NodeUnstageVolumeResponse ur;

  // Memory: idle 2 s after start, then the peak while 50 callers poll NodeGetVolumeStats of
  // the staged volume (what kubelet does for every volume) 20 times each.
  auto status_kib = [&](const char* field) {
    std::string status = Slurp(StrCat("/proc/", (*plugin)->pid(), "/status"));
    size_t at = status.find(field);
    return at == std::string::npos ? -1L : std::atol(status.c_str() + at + std::strlen(field));
  };
  absl::SleepFor(absl::Seconds(2));
  long idle_rss = status_kib("VmRSS:");

  double cold = call("NodeStageVolume", stage, &sr);
  std::vector<std::thread> pollers;
  std::atomic<int> stats_errors{0};
  for (int t = 0; t < 50; ++t) {
    pollers.emplace_back([&] {
      ::csi::v1::NodeGetVolumeStatsRequest q;
      q.set_volume_id(id);
      q.set_volume_path(stage.staging_target_path());
      for (int i = 0; i < 20; ++i) {
        ::csi::v1::NodeGetVolumeStatsResponse a;
        if (!(*plugin)
                 ->client()
                 .Call(csi::Client::FindMethod("NodeGetVolumeStats"), q, &a, absl::Seconds(60))
                 .ok()) {
          ++stats_errors;
        }
      }
    });
  }
  std::atomic<bool> done{false};
  long loaded_rss = 0;
  std::thread sampler([&] {
    while (!done) {
      loaded_rss = std::max(loaded_rss, status_kib("VmRSS:"));
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  for (auto& t : pollers) t.join();
  done = true;
  sampler.join();
  long hwm = status_kib("VmHWM:");
  std::vector<double> warm, unstages;
  unstages.push_back(call("NodeUnstageVolume", unstage, &ur));
  for (int i = 0; i < kRounds; ++i) {
    warm.push_back(call("NodeStageVolume", stage, &sr));
    unstages.push_back(call("NodeUnstageVolume", unstage, &ur));
  }

  // Block mode for the dm-crypt throughput (the same disk, now LUKS2 with 4096-byte sectors).
  ::csi::v1::NodeStageVolumeRequest block = stage;
  block.set_staging_target_path("/var/lib/kubelet/plugins/bench/block");
  block.mutable_volume_capability()->clear_mount();
  block.mutable_volume_capability()->mutable_block();
  fs::create_directories(block.staging_target_path());
  double block_stage = call("NodeStageVolume", block, &sr);
  std::string mapper = "/dev/mapper/byok-" + id;
  struct stat st {};
  stat(mapper.c_str(), &st);
  std::string sector = std::string(StripWhitespace(Slurp(StrCat(
      "/sys/dev/block/", major(st.st_rdev), ":", minor(st.st_rdev), "/queue/logical_block_size"))));
  std::string crypt_write = DdRate(StrCat("dd if=/dev/zero of=", mapper, " bs=1M count=", kMiB,
                                          " seek=64 oflag=direct conv=notrunc"));
  std::string crypt_read =
      DdRate(StrCat("dd if=", mapper, " of=/dev/null bs=1M count=", kMiB, " skip=64 iflag=direct"));
  unstage.set_staging_target_path(block.staging_target_path());
  call("NodeUnstageVolume", unstage, &ur);
  (*plugin)->StopWith(SIGTERM, absl::Seconds(10));

  // cryptsetup open of a cryptsetup-default LUKS2 header (argon2id, benchmarked in this guest),
  // and of the driver's pinned header, on a loop device over a tmpfs file.
  std::system(
      "head -c 32 /dev/urandom > /tmp/bench.key && truncate -s 64M /tmp/bench.img && "
      "losetup -f --show /tmp/bench.img > /tmp/bench.loop");
  std::string loop(StripWhitespace(Slurp("/tmp/bench.loop")));
  double default_format =
      Timed(StrCat("cryptsetup luksFormat --batch-mode --type luks2 "
                   "--key-file=/tmp/bench.key ",
                   loop));
  std::system(StrCat("cryptsetup luksDump ", loop,
                     " | grep -E 'PBKDF|Memory|Threads|Time cost|Iterations' | head -5 | "
                     "tr -s '\\t ' ' ' > /tmp/bench.dump")
                  .c_str());
  std::string pbkdf = Slurp("/tmp/bench.dump");
  std::vector<double> default_open, pinned_open;
  for (int i = 0; i < 3; ++i) {
    default_open.push_back(
        Timed(StrCat("cryptsetup open --key-file=/tmp/bench.key ", loop, " bench-default")));
    std::system("cryptsetup close bench-default");
  }
  double pinned_format = Timed(StrCat(
      "cryptsetup luksFormat --batch-mode --type luks2 --cipher aes-xts-plain64 --key-size 512 "
      "--sector-size 4096 --pbkdf pbkdf2 --hash sha256 --pbkdf-force-iterations 1000 "
      "--key-file=/tmp/bench.key ",
      loop));
  for (int i = 0; i < 3; ++i) {
    pinned_open.push_back(
        Timed(StrCat("cryptsetup open --key-file=/tmp/bench.key ", loop, " bench-pinned")));
    std::system("cryptsetup close bench-pinned");
  }
  std::system(StrCat("losetup -d ", loop).c_str());
  std::system(
      "cryptsetup benchmark -c aes-xts-plain64 -s 512 2>/dev/null | tail -1 | "
      "tr -s ' ' > /tmp/bench.cb");

  std::printf("## Node plugin memory\n\n| what | MiB |\n| --- | --- |\n");
  std::printf("| RSS idle, 2 s after start | %.1f |\n", idle_rss / 1024.0);
  std::printf(
      "| RSS peak (sampled every 20 ms) / VmHWM, 50 callers x 20 NodeGetVolumeStats "
      "on a staged volume (%d errors) | %.1f / %.1f |\n\n",
      stats_errors.load(), loaded_rss / 1024.0, hwm / 1024.0);
  std::printf("## Stage time vs cryptsetup open (seconds, wall)\n\n");
  std::printf("| what | seconds |\n| --- | --- |\n");
  std::printf(
      "| NodeStageVolume, first (Keystone token + Barbican + Cinder + LUKS2 format + "
      "state update + open + mkfs.ext4 + mount) | %s |\n",
      Fmt(cold).c_str());
  std::printf(
      "| NodeStageVolume, restage (Barbican + Cinder + DEK unwrap + open + mount), "
      "median of %d | %s |\n",
      kRounds, Fmt(Median(warm)).c_str());
  std::printf("| NodeUnstageVolume (umount + close), median | %s |\n",
              Fmt(Median(unstages)).c_str());
  std::printf("| NodeStageVolume, block mode (restage of the same volume) | %s |\n",
              Fmt(block_stage).c_str());
  std::printf("| `cryptsetup open`, cryptsetup-default LUKS2 header, median of 3 | %s |\n",
              Fmt(Median(default_open)).c_str());
  std::printf(
      "| `cryptsetup open`, the driver's pinned header (pbkdf2-sha256, 1000 iterations), "
      "median of 3 | %s |\n",
      Fmt(Median(pinned_open)).c_str());
  std::printf("| `cryptsetup luksFormat`, defaults / pinned | %s / %s |\n",
              Fmt(default_format).c_str(), Fmt(pinned_format).c_str());
  std::printf("\ncryptsetup-default keyslot: %s\n", std::string(StripWhitespace(pbkdf)).c_str());
  std::printf("\n## Sequential direct I/O, %s MiB, bs=1M (dd)\n\n", kMiB);
  std::printf("| device | write | read |\n| --- | --- | --- |\n");
  std::printf("| raw virtio disk | %s | %s |\n", raw_write.c_str(), raw_read.c_str());
  std::printf("| dm-crypt mapping (aes-xts-plain64, 512-bit key, %s-byte sectors) | %s | %s |\n",
              sector.c_str(), crypt_write.c_str(), crypt_read.c_str());
  std::printf("\n`cryptsetup benchmark -c aes-xts-plain64 -s 512` in the guest: %s\n",
              std::string(StripWhitespace(Slurp("/tmp/bench.cb"))).c_str());
  return 0;
}

}  // namespace
}  // namespace byok::testing

int main() { return byok::testing::Run(); }
