// Controller benchmark against the real lab (tests/lab): CreateVolume/DeleteVolume through
// the driver's CSI socket, 1 and N concurrent callers, interleaved with the same
// Barbican/Cinder REST sequence issued directly through the openstack client library (the
// baseline). Reports latency percentiles, throughput, HTTP requests per operation by service
// (driver: from its --v=4 JSON request log in a separate accounting pass; direct: HttpStats),
// Keystone calls per operation, driver CPU ms per operation, RSS idle and loaded, and
// start-up time to a SERVING (ready) Probe. Prints Markdown; never asserts timings.
//
//   controller_bench [--callers=1,10] [--ops=4] [--account-ops=3] [--startups=3]
//   env: BYOK_PLUGIN_BINARY, LAB_CLOUD_CONF (and the rest of tests/lab's env.sh)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cloud/openstack_cloud_access.h"
#include "common/strings.h"
#include "controller/controller_service.h"
#include "controller/testing/requests.h"
#include "controller/wait.h"
#include "csi/csi.pb.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "openstack/cloud_config.h"
#include "openstack/testing/test_clients.h"
#include "tests/conformance/plugin_process.h"

namespace byok::bench {
namespace {

using testing::PluginProcess;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

struct Flags {
  std::vector<int> callers = {1, 10};
  int ops = 4;          // create+delete pairs per caller per concurrency level
  int account_ops = 3;  // pairs in the --v=4 accounting pass
  int startups = 3;
};

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](std::string_view p) { return a.substr(p.size()); };
    if (StartsWith(a, "--callers=")) {
      f.callers.clear();
      std::stringstream in(val("--callers="));
      for (std::string n; std::getline(in, n, ',');) f.callers.push_back(std::stoi(n));
    } else if (StartsWith(a, "--ops=")) {
      f.ops = std::stoi(val("--ops="));
    } else if (StartsWith(a, "--account-ops=")) {
      f.account_ops = std::stoi(val("--account-ops="));
    } else if (StartsWith(a, "--startups=")) {
      f.startups = std::stoi(val("--startups="));
    } else {
      std::cerr << "unknown flag " << a << "\n";
      std::exit(2);
    }
  }
  return f;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p / 100.0 * v.size())) - 1;
  return v[std::min(i, v.size() - 1)];
}

long RssKiB(pid_t pid, const char* field = "VmRSS:") {
  std::ifstream in(StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    if (StartsWith(line, field)) return std::atol(line.c_str() + std::strlen(field));
  }
  return -1;
}

// utime+stime of `pid` in milliseconds.
double CpuMs(pid_t pid) {
  std::ifstream in(StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  std::vector<std::string> f;
  while (rest >> field) f.push_back(field);
  // After ")": state(0) ppid(1) ... utime is field 14 of stat, i.e. index 11 here.
  double ticks = std::stod(f[11]) + std::stod(f[12]);
  return ticks * 1000.0 / sysconf(_SC_CLK_TCK);
}

bool Ready(const PluginProcess& p) {
  ::csi::v1::ProbeRequest rq;
  ::csi::v1::ProbeResponse rs;
  return p.client().Call(csi::Client::FindMethod("Probe"), rq, &rs, absl::Seconds(5)).ok() &&
         rs.ready().value();
}

absl::StatusOr<std::unique_ptr<PluginProcess>> StartReady(std::vector<std::string> args,
                                                          absl::Duration* to_ready) {
  absl::Time t0 = absl::Now();
  auto p = PluginProcess::Start(std::move(args), absl::Seconds(60));
  if (!p.ok()) return p.status();
  while (!Ready(**p)) {
    if (absl::Now() - t0 > absl::Seconds(120)) return absl::DeadlineExceededError("never ready");
    absl::SleepFor(absl::Milliseconds(5));
  }
  *to_ready = absl::Now() - t0;
  return p;
}

class Bench {
 public:
  Bench(Flags flags) : flags_(std::move(flags)) {}

  int Run() {
    if (Env("LAB_CLOUD_CONF").empty()) {
      std::cerr << "no lab environment (. /tmp/lab1/env.sh)\n";
      return 77;
    }
    std::vector<std::string> warnings;
    auto config = openstack::LoadCloudConfigFile(Env("LAB_CLOUD_CONF"), &warnings);
    if (!config.ok()) return Fail(config.status());
    direct_stats_ = std::make_shared<openstack::HttpStats>();
    auto access = cloud::OpenStackCloudAccess::Create(*std::move(config), direct_stats_);
    if (!access.ok()) return Fail(access.status());
    access_ = *std::move(access);
    auto clients = access_->ForDriver(absl::Now() + absl::Minutes(1));
    if (!clients.ok()) return Fail(clients.status());
    clients_ = *clients;

    // The tenant key.
    openstack::StoreSecretRequest store;
    store.name = "byok-bench";
    std::string bytes(32, 'b');
    store.payload = SecureBytes::FromView(bytes);
    store.bit_length = 256;
    store.secret_type = "symmetric";
    auto barbican = openstack::testing::BarbicanTestClient::Of(*clients_.barbican);
    if (!barbican.ok()) return Fail(barbican.status());
    auto id = (*barbican)->StoreSecret(Opts(), store);
    if (!id.ok()) return Fail(id.status());
    key_id_ = *id;

    Startup();
    Accounting();
    for (int c : flags_.callers) Load(c);
    (void)clients_.barbican->DeleteSecret(Opts(), key_id_);
    Census();
    return 0;
  }

 private:
  static openstack::CallOptions Opts() {
    return openstack::CallOptions::WithTimeout(absl::Seconds(300));
  }
  int Fail(const absl::Status& s) {
    std::cerr << "bench: " << s << "\n";
    return 1;
  }
  std::vector<std::string> PluginArgs(int v, bool json) {
    std::vector<std::string> a = {"--mode=controller", "--cloud-config=" + Env("LAB_CLOUD_CONF"),
                                  "--cluster=" + cluster_, StrCat("--v=", v)};
    if (json) a.push_back("--log-format=json");
    return a;
  }
  ::csi::v1::CreateVolumeRequest CreateRequest(const std::string& name) {
    ::csi::v1::CreateVolumeRequest r = controller::testing::MountedVolumeRequest(name, key_id_);
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/name"] = name;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/namespace"] = "bench";
    return r;
  }
  std::string NewName(std::string_view kind) {
    return StrCat("bench-", kind, "-", getpid(), "-", counter_.fetch_add(1));
  }

  // Through the driver. Returns the latency; `id` gets the volume ID.
  absl::StatusOr<absl::Duration> DriverCreate(const PluginProcess& p, std::string* id) {
    auto r = CreateRequest(NewName("drv"));
    ::csi::v1::CreateVolumeResponse out;
    absl::Time t0 = absl::Now();
    grpc::Status s =
        p.client().Call(csi::Client::FindMethod("CreateVolume"), r, &out, absl::Seconds(300));
    absl::Duration d = absl::Now() - t0;
    if (!s.ok()) return absl::InternalError(StrCat("CreateVolume: ", s.error_message()));
    *id = out.volume().volume_id();
    return d;
  }
  absl::StatusOr<absl::Duration> DriverDelete(const PluginProcess& p, const std::string& id) {
    ::csi::v1::DeleteVolumeRequest r;
    r.set_volume_id(id);
    ::csi::v1::DeleteVolumeResponse out;
    absl::Time t0 = absl::Now();
    grpc::Status s =
        p.client().Call(csi::Client::FindMethod("DeleteVolume"), r, &out, absl::Seconds(300));
    absl::Duration d = absl::Now() - t0;
    if (!s.ok()) return absl::InternalError(StrCat("DeleteVolume: ", s.error_message()));
    return d;
  }

  // The same REST sequence the controller issues for an envelope CreateVolume of a new name:
  // Barbican GET secret metadata + GET payload, Cinder list-by-name, POST volume (with the
  // descriptor metadata), poll GET until available (the controller's poll intervals).
  absl::StatusOr<absl::Duration> DirectCreate(std::string* id) {
    std::string name = NewName("dir");
    absl::Time t0 = absl::Now();
    absl::Time deadline = t0 + absl::Seconds(300);
    auto key = cloud::FetchTenantKey(clients_, key_id_, deadline);
    if (!key.ok()) return key.status();
    openstack::ListRequest by_name;
    by_name.name = name;
    auto existing = clients_.cinder->ListVolumes(Opts(), by_name);
    if (!existing.ok()) return existing.status();
    auto dek = envelope::GenerateDek();
    if (!dek.ok()) return dek.status();
    envelope::Descriptor d;
    d.mode = envelope::Mode::kEnvelope;
    d.key_id = key_id_;
    auto wrapped = envelope::WrapDek(*key, *dek, {name, key_id_});
    if (!wrapped.ok()) return wrapped.status();
    d.wrapped_dek = *wrapped;
    openstack::CreateVolumeRequest create;
    create.name = name;
    create.description = "Created by byok.cinder.csi.openstack.org";
    create.size_gib = 1;
    create.metadata = envelope::ToMetadata(d);
    create.metadata[controller::kMetaCluster] = cluster_;
    create.metadata["csi.storage.k8s.io/pvc/name"] = name;
    create.metadata["csi.storage.k8s.io/pvc/namespace"] = "bench";
    create.metadata[controller::kMetaCreatedFor] = name;
    auto created = clients_.cinder->CreateVolume(Opts(), create);
    if (!created.ok()) return created.status();
    *id = created->id;
    // The driver's check that no concurrent creator made the same name first.
    auto oldest = clients_.cinder->ListVolumes(Opts(), by_name);
    if (!oldest.ok()) return oldest.status();
    auto ready = controller::WaitForVolume(*clients_.cinder, created->id, {"available"}, deadline);
    if (!ready.ok()) return ready.status();
    return absl::Now() - t0;
  }
  // DeleteVolume's sequence: GET volume, list its snapshots, DELETE the wrapped-DEK
  // metadata key (GET + PUT metadata), DELETE volume, list duplicates of its name.
  absl::StatusOr<absl::Duration> DirectDelete(const std::string& id) {
    absl::Time t0 = absl::Now();
    auto volume = clients_.cinder->GetVolume(Opts(), id);
    if (!volume.ok()) return volume.status();
    openstack::ListRequest snaps;
    snaps.volume_id = id;
    auto listed = clients_.cinder->ListSnapshots(Opts(), snaps);
    if (!listed.ok()) return listed.status();
    absl::Status erased =
        clients_.cinder->DeleteVolumeMetadataKey(Opts(), id, envelope::kMetaWrappedDek);
    if (!erased.ok()) return erased;
    absl::Status deleted = clients_.cinder->DeleteVolume(Opts(), id);
    if (!deleted.ok()) return deleted;
    openstack::ListRequest same;
    same.name = volume->name;
    same.metadata[controller::kMetaCreatedFor] = volume->name;
    same.metadata[controller::kMetaCluster] = cluster_;
    auto duplicates = clients_.cinder->ListVolumes(Opts(), same);
    if (!duplicates.ok()) return duplicates.status();
    return absl::Now() - t0;
  }

  void Startup() {
    std::vector<double> ms;
    long idle_rss = 0, idle_hwm = 0;
    for (int i = 0; i < flags_.startups; ++i) {
      absl::Duration d;
      auto p = StartReady(PluginArgs(0, false), &d);
      if (!p.ok()) {
        std::cerr << "startup: " << p.status() << "\n";
        return;
      }
      ms.push_back(Ms(d));
      if (i == 0) {
        absl::SleepFor(absl::Seconds(2));
        idle_rss = RssKiB((*p)->pid());
        idle_hwm = RssKiB((*p)->pid(), "VmHWM:");
      }
      (*p)->StopWith(SIGTERM);
    }
    std::cout << "## Start-up and idle memory\n\n"
              << "| metric | value |\n|---|---|\n"
              << "| start-up to ready Probe, median of " << ms.size() << " (ms) | "
              << Percentile(ms, 50) << " |\n"
              << "| start-up, all runs (ms) | ";
    for (double m : ms) std::cout << static_cast<int>(m) << " ";
    std::cout << "|\n| controller RSS idle, 2 s after ready (MiB) | " << idle_rss / 1024.0
              << " |\n| controller VmHWM at that point (MiB) | " << idle_hwm / 1024.0 << " |\n\n";
  }

  // --v=4 JSON log: every OpenStack request the driver makes, by service.
  static std::map<std::string, int> CountRequests(std::string_view log, size_t from) {
    std::map<std::string, int> out;
    std::istringstream in(std::string(log.substr(std::min(from, log.size()))));
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      std::string msg = j.value("msg", j.value("message", ""));
      if (msg == "OpenStack request" || msg == "OpenStack request failed") {
        out[j.value("service", "?")]++;
      }
    }
    return out;
  }
  static std::string Fmt(const std::map<std::string, int>& m, double per) {
    std::string s;
    for (const auto& [k, v] : m) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.2f", v / per);
      StrAppend(&s, s.empty() ? "" : ", ", k, " ", buf);
    }
    return s.empty() ? "0" : s;
  }
  static std::map<std::string, int> DirectCounts(const openstack::HttpStats& stats) {
    std::map<std::string, int> out;
    for (const auto& [key, c] : stats.Snapshot()) out[key.substr(0, key.find(' '))] += c.requests;
    return out;
  }

  void Accounting() {
    absl::Duration d;
    auto p = StartReady(PluginArgs(4, true), &d);
    if (!p.ok()) {
      std::cerr << "accounting: " << p.status() << "\n";
      return;
    }
    // Warm-up pair (first token, catalog), then counted pairs.
    std::string id;
    auto at_startup = CountRequests((*p)->Log(), 0);
    size_t before_warm = (*p)->Log().size();
    if (auto c = DriverCreate(**p, &id); c.ok()) (void)DriverDelete(**p, id);
    auto warm = CountRequests((*p)->Log(), before_warm);
    std::map<std::string, int> creates, deletes;
    int n = 0;
    for (int i = 0; i < flags_.account_ops; ++i) {
      size_t a = (*p)->Log().size();
      if (!DriverCreate(**p, &id).ok()) continue;
      size_t b = (*p)->Log().size();
      if (!DriverDelete(**p, id).ok()) continue;
      for (auto& [k, v] : CountRequests((*p)->Log().substr(0, b), a)) creates[k] += v;
      for (auto& [k, v] : CountRequests((*p)->Log(), b)) deletes[k] += v;
      ++n;
    }
    direct_stats_->Reset();
    std::map<std::string, int> dcreates, ddeletes;
    int dn = 0;
    for (int i = 0; i < flags_.account_ops; ++i) {
      if (!DirectCreate(&id).ok()) continue;
      auto after_create = DirectCounts(*direct_stats_);
      direct_stats_->Reset();
      if (!DirectDelete(id).ok()) continue;
      for (auto& [k, v] : after_create) dcreates[k] += v;
      for (auto& [k, v] : DirectCounts(*direct_stats_)) ddeletes[k] += v;
      direct_stats_->Reset();
      ++dn;
    }
    (*p)->StopWith(SIGTERM);
    std::cout << "## HTTP requests per operation (sequential, warm token)\n\n"
              << "Driver: counted from its own `--v=4 --log-format=json` request log (one line "
                 "per OpenStack request). Direct: the client library's HttpStats. Keystone = "
                 "POST /v3/auth/tokens.\n\n"
              << "| path | operation | ops | requests per op by service |\n|---|---|---|---|\n"
              << "| driver | start-up until ready (readiness check) | 1 | " << Fmt(at_startup, 1)
              << " |\n"
              << "| driver | first CreateVolume+DeleteVolume after start | 1 | " << Fmt(warm, 1)
              << " |\n"
              << "| driver | CreateVolume | " << n << " | " << Fmt(creates, std::max(n, 1))
              << " |\n"
              << "| driver | DeleteVolume | " << n << " | " << Fmt(deletes, std::max(n, 1))
              << " |\n"
              << "| direct | create sequence | " << dn << " | " << Fmt(dcreates, std::max(dn, 1))
              << " |\n"
              << "| direct | delete sequence | " << dn << " | " << Fmt(ddeletes, std::max(dn, 1))
              << " |\n\n";
  }

  void Load(int callers) {
    absl::Duration startup;
    auto p = StartReady(PluginArgs(0, false), &startup);
    if (!p.ok()) {
      std::cerr << "load: " << p.status() << "\n";
      return;
    }
    // Warm the driver's token and connections (not measured).
    std::string id;
    if (DriverCreate(**p, &id).ok()) (void)DriverDelete(**p, id);
    pid_t pid = (*p)->pid();
    std::mutex mu;
    std::vector<double> dc, dd, xc, xd;
    std::vector<std::string> errors;
    std::atomic<bool> sampling{true};
    long peak_rss = 0;
    std::thread sampler([&] {
      while (sampling) {
        peak_rss = std::max(peak_rss, RssKiB(pid));
        absl::SleepFor(absl::Milliseconds(50));
      }
    });
    double cpu0 = CpuMs(pid);
    int driver_ops = 0;
    absl::Time t0 = absl::Now();
    std::vector<std::thread> threads;
    for (int c = 0; c < callers; ++c) {
      threads.emplace_back([&, c] {
        for (int i = 0; i < flags_.ops; ++i) {
          // Interleaved: driver and direct alternate, order flipped every op.
          bool driver_first = (i + c) % 2 == 0;
          for (int k = 0; k < 2; ++k) {
            bool driver = (k == 0) == driver_first;
            std::string vid;
            auto created = driver ? DriverCreate(**p, &vid) : DirectCreate(&vid);
            absl::StatusOr<absl::Duration> deleted = absl::UnknownError("not created");
            if (created.ok()) deleted = driver ? DriverDelete(**p, vid) : DirectDelete(vid);
            std::lock_guard<std::mutex> l(mu);
            if (!created.ok())
              errors.push_back(std::string(created.status().message()));
            else
              (driver ? dc : xc).push_back(Ms(*created));
            if (created.ok() && !deleted.ok())
              errors.push_back(std::string(deleted.status().message()));
            else if (deleted.ok())
              (driver ? dd : xd).push_back(Ms(*deleted));
            if (driver) driver_ops += created.ok() + deleted.ok();
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    absl::Duration wall = absl::Now() - t0;
    double cpu = CpuMs(pid) - cpu0;
    sampling = false;
    sampler.join();
    long hwm = RssKiB(pid, "VmHWM:");
    (*p)->StopWith(SIGTERM);
    double ops_total = dc.size() + dd.size() + xc.size() + xd.size();
    std::cout << "## " << callers << " concurrent caller(s), " << flags_.ops
              << " create+delete pairs each through the driver and as many direct\n\n"
              << "| path | op | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|\n";
    auto row = [&](const char* path, const char* op, const std::vector<double>& v) {
      std::cout << "| " << path << " | " << op << " | " << v.size() << " | "
                << static_cast<int>(Percentile(v, 50)) << " | "
                << static_cast<int>(Percentile(v, 95)) << " | "
                << static_cast<int>(Percentile(v, 100)) << " |\n";
    };
    row("driver", "CreateVolume", dc);
    row("direct", "create sequence", xc);
    row("driver", "DeleteVolume", dd);
    row("direct", "delete sequence", xd);
    auto ratio = [](const std::vector<double>& a, const std::vector<double>& b) {
      double pb = Percentile(b, 50);
      return pb > 0 ? Percentile(a, 50) / pb : 0.0;
    };
    std::cout << "\n| metric | value |\n|---|---|\n"
              << "| driver/direct p50, create | " << ratio(dc, xc) << " |\n"
              << "| driver/direct p50, delete | " << ratio(dd, xd) << " |\n"
              << "| wall time (s) | " << absl::ToDoubleSeconds(wall) << " |\n"
              << "| throughput, all ops (driver+direct) per s | "
              << ops_total / absl::ToDoubleSeconds(wall) << " |\n"
              << "| driver create+delete pairs per s (while sharing the lab with direct) | "
              << dc.size() / absl::ToDoubleSeconds(wall) << " |\n"
              << "| driver CPU ms per operation (utime+stime " << cpu << " ms / " << driver_ops
              << " ops; 10 ms tick) | " << (driver_ops ? cpu / driver_ops : 0) << " |\n"
              << "| driver RSS peak sampled under load (MiB) | " << peak_rss / 1024.0 << " |\n"
              << "| driver VmHWM at end (MiB) | " << hwm / 1024.0 << " |\n"
              << "| errors | " << errors.size() << " |\n\n";
    for (size_t i = 0; i < std::min<size_t>(errors.size(), 5); ++i)
      std::cout << "- error: " << errors[i].substr(0, 300) << "\n";
    if (!errors.empty()) std::cout << "\n";
  }

  // Nothing of ours may be left in Cinder.
  void Census() {
    // Deletes are asynchronous in Cinder: wait (up to 5 min) until nothing of ours is left.
    openstack::ListRequest list;
    list.metadata[controller::kMetaCluster] = cluster_;
    absl::Time t0 = absl::Now();
    absl::StatusOr<openstack::VolumePage> page;
    size_t left = 0, deleting = 0;
    do {
      page = clients_.cinder->ListVolumes(Opts(), list);
      if (!page.ok()) break;
      left = deleting = 0;
      for (const auto& v : page->volumes) (v.status == "deleting" ? deleting : left)++;
      if (left + deleting == 0) break;
      absl::SleepFor(absl::Seconds(2));
    } while (absl::Now() - t0 < absl::Minutes(5));
    std::cout << "Census after the run: "
              << (page.ok()
                      ? StrCat(left, " volume(s) left and ", deleting,
                               " still deleting with cluster tag ", cluster_, " after ",
                               static_cast<int>(absl::ToDoubleSeconds(absl::Now() - t0)), " s")
                      : std::string(page.status().message()))
              << ".\n";
  }

  Flags flags_;
  std::string cluster_ = StrCat("bench-", getpid());
  std::shared_ptr<openstack::HttpStats> direct_stats_;
  std::unique_ptr<cloud::OpenStackCloudAccess> access_;
  cloud::Clients clients_;
  std::string key_id_;
  std::atomic<int> counter_{0};
};

}  // namespace
}  // namespace byok::bench

int main(int argc, char** argv) {
  return byok::bench::Bench(byok::bench::ParseFlags(argc, argv)).Run();
}
