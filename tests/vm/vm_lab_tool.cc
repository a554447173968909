// byok-vm-lab: the host side of the node e2e, playing the controller against the lab's real
// Cinder and Barbican (the harness plays Nova).
//   byok-vm-lab prepare CLOUD_CONF OUT_DIR [--encrypted-type=T] [--scenarios=a,b]
//       creates tenant keys and one Cinder volume per scenario (envelope volumes with a DEK wrapped
//       exactly as CreateVolume wraps it), writes OUT_DIR/plan.json and, mode 0600, the hex
//       passphrases the harness needs (OUT_DIR/qemuenc.pass for QEMU's -E,
//       OUT_DIR/overlay/byok/luks1.pass for the guest's os-brick-style format).
//   byok-vm-lab cleanup CLOUD_CONF PLAN      deletes the volumes and keys of a plan.
// Secrets never go to stdout/stderr.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "cloud/openstack_cloud_access.h"
#include "common/strings.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "openstack/cloud_config.h"
#include "openstack/testing/test_clients.h"

namespace byok {
namespace {

using nlohmann::json;

int Fail(const std::string& message) {
  std::fprintf(stderr, "byok-vm-lab: %s\n", message.c_str());
  return 1;
}

openstack::CallOptions Call() { return openstack::CallOptions::WithTimeout(absl::Seconds(60)); }

absl::Status WriteSecretFile(const std::string& path, const SecureBytes& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return absl::InternalError(StrCat("cannot write ", path));
  chmod(path.c_str(), 0600);
  size_t n = std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  return n == data.size() ? absl::OkStatus() : absl::InternalError(StrCat("short write ", path));
}

class Lab {
 public:
  explicit Lab(cloud::Clients clients) : c_(std::move(clients)) {}

  absl::StatusOr<std::string> StoreKey(const std::string& name, SecureBytes* key_out) {
    absl::StatusOr<SecureBytes> key = envelope::GenerateDek();
    if (!key.ok()) return key.status();
    if (key_out != nullptr) *key_out = key->Clone();
    openstack::StoreSecretRequest request;
    request.name = name;
    request.payload = *std::move(key);
    auto barbican = openstack::testing::BarbicanTestClient::Of(*c_.barbican);
    if (!barbican.ok()) return barbican.status();
    return (*barbican)->StoreSecret(Call(), request);
  }

  // Starts creating a volume; WaitAvailable finishes it (so many can be created at once).
  absl::StatusOr<openstack::Volume> CreateVolume(const std::string& name, const std::string& type,
                                                 std::map<std::string, std::string> metadata) {
    openstack::CreateVolumeRequest request;
    request.name = name;
    request.size_gib = 1;
    request.volume_type = type;
    request.metadata = std::move(metadata);
    request.description = "cinder-byok-csi node e2e (tests/vm)";
    return c_.cinder->CreateVolume(Call(), request);
  }

  absl::StatusOr<openstack::Volume> WaitAvailable(const std::string& id) {
    absl::Time deadline = absl::Now() + absl::Seconds(180);
    while (true) {
      auto volume = c_.cinder->GetVolume(Call(), id);
      if (!volume.ok()) return volume.status();
      if (volume->status == "available") return volume;
      if (StartsWith(volume->status, "error") || absl::Now() > deadline) {
        return absl::UnavailableError(StrCat("volume ", id, " is ", volume->status));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }

  cloud::Clients& clients() { return c_; }

 private:
  cloud::Clients c_;
};

std::string Suffix() {
  static const std::string suffix = [] {
    auto bytes = envelope::GenerateDek();
    std::string hex = std::string(bytes->ToLowerHex().view());
    return hex.substr(0, 6);
  }();
  return suffix;
}

bool Wanted(const std::set<std::string>& only, const std::string& scenario) {
  return only.empty() || only.count(scenario) > 0;
}

int Prepare(Lab& lab, const std::string& out_dir, const std::string& encrypted_type,
            const std::set<std::string>& only) {
  json plan;
  // Whatever was created before a failure is in the plan, so `cleanup` removes it.
  auto fail = [&](const std::string& why) {
    std::ofstream(out_dir + "/plan.json") << plan.dump(2) << "\n";
    return Fail(why);
  };
  SecureBytes kek;
  auto key_a = lab.StoreKey(StrCat("byok-vm-tenant-key-", Suffix()), &kek);
  if (!key_a.ok()) return fail(StrCat("store tenant key: ", key_a.status().message()));
  plan["tenant_key_id"] = *key_a;
  plan["secrets"] = json::array({*key_a});
  auto key_b = lab.StoreKey(StrCat("byok-vm-other-key-", Suffix()), nullptr);
  if (!key_b.ok()) return fail(StrCat("store other key: ", key_b.status().message()));
  plan["wrong_key_id"] = *key_b;
  plan["secrets"].push_back(*key_b);

  // Envelope volumes: a DEK wrapped under the tenant key, bound to {name, key id}; LUKS pending.
  for (const char* scenario : {"file", "block", "wrongkey", "nobarbican", "crash", "data", "expand",
                               "expandxfs", "bench"}) {
    if (!Wanted(only, scenario)) continue;
    std::string name = StrCat("byok-vm-", scenario, "-", Suffix());
    auto dek = envelope::GenerateDek();
    envelope::Descriptor d;
    d.mode = envelope::Mode::kEnvelope;
    d.key_id = *key_a;
    auto wrapped = envelope::WrapDek(kek, *dek, {name, *key_a});
    if (!wrapped.ok()) return fail(std::string(wrapped.status().message()));
    d.wrapped_dek = *wrapped;
    d.luks_state = envelope::LuksState::kPending;
    auto volume = lab.CreateVolume(name, "", envelope::ToMetadata(d));
    if (!volume.ok()) return fail(StrCat(scenario, ": ", volume.status().message()));
    plan["volumes"][scenario] = {{"id", volume->id}, {"name", name}, {"mode", "envelope"}};
  }

  // cinder mode, directly attached LUKS1 made the os-brick way with the tenant key.
  if (Wanted(only, "luks1")) {
    envelope::Descriptor d;
    d.mode = envelope::Mode::kCinder;
    d.key_id = *key_a;
    std::string name = StrCat("byok-vm-luks1-", Suffix());
    auto volume = lab.CreateVolume(name, "", envelope::ToMetadata(d));
    if (!volume.ok()) return fail(StrCat("luks1: ", volume.status().message()));
    plan["volumes"]["luks1"] = {{"id", volume->id}, {"name", name}, {"mode", "cinder"}};
    if (auto s = WriteSecretFile(out_dir + "/overlay/byok/luks1.pass", kek.ToLowerHex()); !s.ok()) {
      return fail(std::string(s.message()));
    }
  }

  // cinder mode on an encrypted type: Cinder made a qcow2+LUKS file with its own key; the
  // harness attaches it with QEMU's decryption, as Nova does.
  if (!encrypted_type.empty() && Wanted(only, "qemuenc")) {
    std::string name = StrCat("byok-vm-qemuenc-", Suffix());
    auto created = lab.CreateVolume(name, encrypted_type, {});
    if (!created.ok()) return fail(StrCat("qemuenc: ", created.status().message()));
    auto volume = lab.WaitAvailable(created->id);
    if (!volume.ok()) return fail(StrCat("qemuenc: ", volume.status().message()));
    auto encryption = lab.clients().cinder->GetVolumeEncryption(Call(), volume->id);
    if (!encryption.ok() || !encryption->encrypted()) {
      return fail("qemuenc: the encrypted type gave no encryption key");
    }
    envelope::Descriptor d;
    d.mode = envelope::Mode::kCinder;
    d.key_id = encryption->encryption_key_id;
    auto md =
        lab.clients().cinder->UpdateVolumeMetadata(Call(), volume->id, envelope::ToMetadata(d));
    if (!md.ok()) return fail(StrCat("qemuenc metadata: ", md.status().message()));
    auto key = lab.clients().barbican->GetPayload(Call(), encryption->encryption_key_id);
    if (!key.ok()) return fail(StrCat("qemuenc key: ", key.status().message()));
    if (auto s = WriteSecretFile(out_dir + "/qemuenc.pass", key->ToLowerHex()); !s.ok()) {
      return fail(std::string(s.message()));
    }
    plan["volumes"]["qemuenc"] = {{"id", volume->id},
                                  {"name", name},
                                  {"mode", "cinder"},
                                  {"key_id", encryption->encryption_key_id},
                                  {"control_location", encryption->control_location}};
  }
  // Plaintext markers the guest writes; the host then greps the volume files for them.
  for (const char* scenario :
       {"file", "block", "crash", "data", "expand", "expandxfs", "luks1", "qemuenc"}) {
    std::string random = std::string(envelope::GenerateDek()->ToLowerHex().view()).substr(0, 24);
    plan["markers"][scenario] = StrCat("BYOK-E2E-PLAINTEXT-", scenario, "-", random);
  }
  for (auto& [scenario, v] : plan["volumes"].items()) {
    auto volume = lab.WaitAvailable(v["id"]);
    if (!volume.ok()) return fail(StrCat(scenario, ": ", volume.status().message()));
  }
  std::ofstream(out_dir + "/plan.json") << plan.dump(2) << "\n";
  std::ofstream(out_dir + "/overlay/byok/plan.json") << plan.dump(2) << "\n";
  std::printf("%s\n", plan.dump().c_str());
  return 0;
}

int Cleanup(Lab& lab, const std::string& plan_path) {
  std::ifstream in(plan_path);
  json plan = json::parse(in, nullptr, false);
  if (plan.is_discarded()) return Fail(StrCat("cannot read ", plan_path));
  int failures = 0;
  for (auto& [scenario, v] : plan["volumes"].items()) {
    std::string id = v["id"];
    absl::Status s = lab.clients().cinder->DeleteVolume(Call(), id);
    if (!s.ok() && !absl::IsNotFound(s)) {
      // A volume the guest left reserved/in-use-looking is retried once it settles.
      (void)lab.WaitAvailable(id);
      s = lab.clients().cinder->DeleteVolume(Call(), id);
    }
    if (!s.ok() && !absl::IsNotFound(s)) {
      std::fprintf(stderr, "byok-vm-lab: delete volume %s (%s): %s\n", id.c_str(), scenario.c_str(),
                   std::string(s.message()).c_str());
      ++failures;
    }
  }
  for (const auto& id : plan["secrets"]) {
    absl::Status s = lab.clients().barbican->DeleteSecret(Call(), id.get<std::string>());
    if (!s.ok() && !absl::IsNotFound(s)) ++failures;
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace byok

int main(int argc, char** argv) {
  using namespace byok;
  if (argc < 4) {
    return Fail(
        "usage: byok-vm-lab prepare CLOUD_CONF OUT_DIR [--encrypted-type=T] "
        "[--scenarios=a,b,...] | cleanup CLOUD_CONF PLAN");
  }
  std::string command = argv[1];
  std::vector<std::string> warnings;
  auto config = openstack::LoadCloudConfigFile(argv[2], &warnings);
  if (!config.ok()) return Fail(std::string(config.status().message()));
  auto access = cloud::OpenStackCloudAccess::Create(config->Clone(),
                                                    std::make_shared<openstack::HttpStats>());
  if (!access.ok()) return Fail(std::string(access.status().message()));
  auto clients = (*access)->ForDriver(absl::Now() + absl::Minutes(1));
  if (!clients.ok()) return Fail(std::string(clients.status().message()));
  Lab lab(*std::move(clients));
  if (command == "prepare") {
    std::string encrypted_type;
    std::set<std::string> only;
    for (int i = 4; i < argc; ++i) {
      std::string arg = argv[i];
      if (StartsWith(arg, "--encrypted-type=")) {
        encrypted_type = arg.substr(17);
      } else if (StartsWith(arg, "--scenarios=")) {
        const std::string list = arg.substr(12);
        for (std::string_view part : Split(list, ',')) {
          if (!part.empty()) only.insert(std::string(part));
        }
      } else {
        return Fail(StrCat("unknown argument ", arg));
      }
    }
    return Prepare(lab, argv[3], encrypted_type, only);
  }
  if (command == "cleanup") return Cleanup(lab, argv[3]);
  return Fail(StrCat("unknown command ", command));
}
