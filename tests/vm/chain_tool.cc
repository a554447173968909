// byok-vm-chain: the host side of tests/vm/chain.sh. The driver's own controller (the real
// binary from $BYOK_PLUGIN_BINARY, --mode=controller on a CSI socket, the lab's cloud.conf)
// makes every volume the guest stages, so the node reads what the controller wrote, not what a
// test tool prepared.
//   byok-vm-chain create CLOUD_CONF DIR   stores a tenant key in Barbican and has the controller
//                                         create the source volume; writes DIR/plan.json
//   byok-vm-chain derive CLOUD_CONF DIR   has the controller clone the source, snapshot it and
//                                         restore the snapshot; adds them to the plan
//   byok-vm-chain rotate CLOUD_CONF DIR   stores three more keys; has the controller rotate the
//                                         source (and so its snapshot) and the clone to the
//                                         second and restore the snapshot again under it;
//                                         deletes the first key (the restore made before the
//                                         rotation is now under a revoked key)
//   byok-vm-chain delete CLOUD_CONF DIR   has the controller delete all of it, then checks that
//                                         nothing of the chain's cluster is left; deletes the key
// Key bytes never leave this process; the plan holds IDs only.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cloud/openstack_cloud_access.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "csi/csi.pb.h"
#include "envelope/key_wrap.h"
#include "openstack/cloud_config.h"
#include "openstack/errors.h"
#include "tests/conformance/plugin_process.h"
#include "tests/integration/driver_lab/lab_driver.h"

namespace byok::testing {
namespace {

using nlohmann::json;

constexpr char kCluster[] = "vm-chain";
constexpr char kSource[] = "chain-source";
constexpr char kRestore[] = "chain-restore";
constexpr char kClone[] = "chain-clone";
constexpr char kRestoreAfter[] = "chain-restore-after";

int Fail(const std::string& message) {
  std::fprintf(stderr, "byok-vm-chain: %s\n", message.c_str());
  return 1;
}

// The plan the guest reads (/byok/plan.json) and the next step of this tool extends.
struct Plan {
  std::string path;
  json data = json::object();

  static absl::StatusOr<Plan> Load(const std::string& dir) {
    Plan plan{dir + "/plan.json"};
    std::ifstream in(plan.path);
    if (!in) return plan;
    plan.data = json::parse(in, nullptr, false);
    if (plan.data.is_discarded()) return absl::DataLossError(StrCat(plan.path, " is not JSON"));
    return plan;
  }
  bool Save() const { return static_cast<bool>(std::ofstream(path) << data.dump(2) << "\n"); }
  std::string VolumeId(const std::string& scenario) const {
    return data["volumes"].value(scenario, json::object()).value("id", "");
  }
};

// The controller under test, on its own socket, for the length of one step.
class Controller {
 public:
  static absl::StatusOr<Controller> Start(const std::string& cloud_conf) {
    auto plugin = PluginProcess::Start({"--mode=controller", "--cloud-config=" + cloud_conf,
                                        StrCat("--cluster=", kCluster), "--v=2"},
                                       absl::Seconds(60));
    if (!plugin.ok()) return plugin.status();
    return Controller(*std::move(plugin));
  }

  template <typename Request, typename Response>
  absl::Status Call(std::string_view method, const Request& request, Response* response) {
    grpc::Status s = plugin_->client().Call(csi::Client::FindMethod(method), request, response,
                                            absl::Seconds(300));
    std::printf("  %s -> %s %s\n", std::string(method).c_str(),
                s.ok() ? "OK" : "failed:", s.error_message().c_str());
    if (s.ok()) return absl::OkStatus();
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        StrCat(method, ": ", s.error_message()));
  }

  absl::Status Modify(const std::string& volume_id, const std::string& key_id) {
    ::csi::v1::ControllerModifyVolumeRequest r;
    r.set_volume_id(volume_id);
    (*r.mutable_secrets())["keyID"] = key_id;
    (*r.mutable_mutable_parameters())["keyRotation"] = "vm-chain";
    ::csi::v1::ControllerModifyVolumeResponse out;
    return Call("ControllerModifyVolume", r, &out);
  }

  // A claim of 1 GiB with an ext4 filesystem, bound to the tenant's key by its Secret.
  absl::StatusOr<std::string> CreateVolume(const std::string& name, const std::string& key_id,
                                           const ::csi::v1::VolumeContentSource* source) {
    ::csi::v1::CreateVolumeRequest r;
    r.set_name(name);
    r.mutable_capacity_range()->set_required_bytes(controller::kGiB);
    auto* cap = r.add_volume_capabilities();
    cap->mutable_mount()->set_fs_type("ext4");
    cap->mutable_access_mode()->set_mode(
        ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    (*r.mutable_secrets())["keyID"] = key_id;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/name"] = name;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/namespace"] = "vm-chain";
    if (source != nullptr) *r.mutable_volume_content_source() = *source;
    ::csi::v1::CreateVolumeResponse created;
    if (absl::Status s = Call("CreateVolume", r, &created); !s.ok()) return s;
    return created.volume().volume_id();
  }

  ~Controller() {
    if (plugin_ == nullptr) return;
    plugin_->StopWith(SIGTERM, absl::Seconds(20));
    std::string log = plugin_->Log();
    std::printf("----- controller log -----\n%s----- end of controller log -----\n", log.c_str());
  }
  Controller(Controller&&) = default;

 private:
  explicit Controller(std::unique_ptr<PluginProcess> plugin) : plugin_(std::move(plugin)) {}
  std::unique_ptr<PluginProcess> plugin_;
};

// A fresh random tenant key in Barbican, recorded in the plan (for delete) before use.
absl::StatusOr<std::string> NewKey(const cloud::Clients& clients, Plan& plan) {
  absl::StatusOr<SecureBytes> key = envelope::GenerateDek();
  if (!key.ok()) return key.status();
  auto key_id = lab::StoreKey(clients, "byok-vm-chain", key->view());
  if (!key_id.ok()) return openstack::Annotate(key_id.status(), "storing a tenant key");
  plan.data["keys"].push_back(*key_id);
  plan.Save();
  return key_id;
}

int Create(const cloud::Clients& clients, const std::string& conf, Plan plan) {
  auto key_id = NewKey(clients, plan);
  if (!key_id.ok()) return Fail(std::string(key_id.status().message()));
  plan.data["tenant_key_id"] = *key_id;
  plan.data["markers"]["chain"] = StrCat("chain-marker-", absl::ToUnixMicros(absl::Now()));
  auto controller = Controller::Start(conf);
  if (!controller.ok()) return Fail(std::string(controller.status().message()));
  const std::string name = StrCat("pvc-chain-", absl::ToUnixMicros(absl::Now()));
  auto id = controller->CreateVolume(name, *key_id, nullptr);
  if (!id.ok()) return Fail(std::string(id.status().message()));
  plan.data["volumes"][kSource] = {{"id", *id}, {"name", name}};
  return plan.Save() ? 0 : Fail("cannot write " + plan.path);
}

int Derive(const std::string& conf, Plan plan) {
  const std::string key_id = plan.data.value("tenant_key_id", "");
  const std::string source_id = plan.VolumeId(kSource);
  if (key_id.empty() || source_id.empty()) return Fail("no source volume in " + plan.path);
  auto controller = Controller::Start(conf);
  if (!controller.ok()) return Fail(std::string(controller.status().message()));
  const std::string name = plan.data["volumes"][kSource].value("name", "");

  // The clone first: the lab's Cinder NFS driver cannot clone a volume that has a snapshot
  // (its qemu-img format check refuses the snapshot chain: "Unacceptable parameters").
  ::csi::v1::VolumeContentSource from_volume;
  from_volume.mutable_volume()->set_volume_id(source_id);
  auto cloned = controller->CreateVolume(name + "-clone", key_id, &from_volume);
  if (!cloned.ok()) return Fail(std::string(cloned.status().message()));
  plan.data["volumes"][kClone] = {{"id", *cloned}, {"name", name + "-clone"}};
  plan.Save();

  ::csi::v1::CreateSnapshotRequest snap;
  snap.set_name(name + "-snap");
  snap.set_source_volume_id(source_id);
  ::csi::v1::CreateSnapshotResponse snapped;
  if (absl::Status s = controller->Call("CreateSnapshot", snap, &snapped); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  plan.data["snapshot_id"] = snapped.snapshot().snapshot_id();
  plan.Save();

  ::csi::v1::VolumeContentSource from_snapshot;
  from_snapshot.mutable_snapshot()->set_snapshot_id(snapped.snapshot().snapshot_id());
  auto restored = controller->CreateVolume(name + "-restore", key_id, &from_snapshot);
  if (!restored.ok()) return Fail(std::string(restored.status().message()));
  plan.data["volumes"][kRestore] = {{"id", *restored}, {"name", name + "-restore"}};

  return plan.Save() ? 0 : Fail("cannot write " + plan.path);
}

int Rotate(const cloud::Clients& clients, const std::string& conf, Plan plan) {
  const std::string old_key = plan.data.value("tenant_key_id", "");
  const std::string snapshot = plan.data.value("snapshot_id", "");
  if (old_key.empty() || snapshot.empty()) return Fail("run derive first: " + plan.path);
  auto rotated = NewKey(clients, plan);
  auto third = NewKey(clients, plan);   // the guest rotates a staged volume to it
  auto fourth = NewKey(clients, plan);  // and then at NodeStage, with previousKeyIDs
  if (!rotated.ok() || !third.ok() || !fourth.ok()) return Fail("cannot store more keys");
  plan.data["rotated_key_id"] = *rotated;
  plan.data["third_key_id"] = *third;
  plan.data["fourth_key_id"] = *fourth;
  auto controller = Controller::Start(conf);
  if (!controller.ok()) return Fail(std::string(controller.status().message()));
  for (const char* scenario : {kSource, kClone}) {
    if (absl::Status s = controller->Modify(plan.VolumeId(scenario), *rotated); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  ::csi::v1::VolumeContentSource from_snapshot;
  from_snapshot.mutable_snapshot()->set_snapshot_id(snapshot);
  const std::string name = plan.data["volumes"][kSource].value("name", "") + "-restore-after";
  auto restored = controller->CreateVolume(name, *rotated, &from_snapshot);
  if (!restored.ok()) return Fail(std::string(restored.status().message()));
  plan.data["volumes"][kRestoreAfter] = {{"id", *restored}, {"name", name}};
  plan.Save();
  // The tenant retires the first key: what was not rotated (the first restore) is revoked.
  if (absl::Status s = clients.barbican->DeleteSecret(lab::Opts(), old_key); !s.ok()) {
    return Fail(StrCat("deleting the first key: ", s.message()));
  }
  return 0;
}

// Deletes through the controller (volumes made from the snapshot first, the snapshot before
// its source, as Cinder requires), then counts what the cluster still has: 0 or a failure.
int Delete(const cloud::Clients& clients, const std::string& conf, const Plan& plan) {
  int failures = 0;
  {
    auto controller = Controller::Start(conf);
    if (!controller.ok()) return Fail(std::string(controller.status().message()));
    for (const char* scenario : {kRestore, kRestoreAfter, kClone}) {
      if (plan.VolumeId(scenario).empty()) continue;
      ::csi::v1::DeleteVolumeRequest del;
      del.set_volume_id(plan.VolumeId(scenario));
      ::csi::v1::DeleteVolumeResponse out;
      failures += !controller->Call("DeleteVolume", del, &out).ok();
    }
    if (const std::string snap = plan.data.value("snapshot_id", ""); !snap.empty()) {
      ::csi::v1::DeleteSnapshotRequest del;
      del.set_snapshot_id(snap);
      ::csi::v1::DeleteSnapshotResponse out;
      failures += !controller->Call("DeleteSnapshot", del, &out).ok();
    }
    if (!plan.VolumeId(kSource).empty()) {
      ::csi::v1::DeleteVolumeRequest del;
      del.set_volume_id(plan.VolumeId(kSource));
      ::csi::v1::DeleteVolumeResponse out;
      failures += !controller->Call("DeleteVolume", del, &out).ok();
    }
  }
  int left = lab::RemoveVolumesOfCluster(*clients.cinder, kCluster);
  if (left != 0) failures += Fail(StrCat(left, " volume(s) of cluster ", kCluster, " left over"));
  for (const auto& key : plan.data.value("keys", json::array())) {
    (void)clients.barbican->DeleteSecret(lab::Opts(), key.get<std::string>());
  }
  std::printf("byok-vm-chain: deleted; %d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace byok::testing

int main(int argc, char** argv) {
  using namespace byok;
  using namespace byok::testing;
  if (argc != 4) return Fail("usage: byok-vm-chain create|derive|rotate|delete CLOUD_CONF DIR");
  const std::string command = argv[1];
  const std::string conf = argv[2];
  auto plan = Plan::Load(argv[3]);
  if (!plan.ok()) return Fail(std::string(plan.status().message()));
  if (command == "derive") return Derive(conf, *std::move(plan));

  auto driver = lab::ConnectAsDriver(conf);
  if (!driver.ok()) return Fail(std::string(driver.status().message()));
  if (command == "create") return Create((*driver)->clients, conf, *std::move(plan));
  if (command == "rotate") return Rotate((*driver)->clients, conf, *std::move(plan));
  if (command == "delete") return Delete((*driver)->clients, conf, *plan);
  return Fail("unknown command " + command);
}
