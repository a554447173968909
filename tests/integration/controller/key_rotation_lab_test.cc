// Key rotation (ControllerModifyVolume) over the CSI socket against the real lab: an envelope
// volume and its snapshot re-wrapped under a new Barbican key, the old key deleted, and a
// restore of the snapshot made afterwards under the new key; a cinder-mode volume refused.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "controller/parameters.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "openstack/testing/test_clients.h"
#include "tests/integration/controller/controller_lab.h"

namespace byok::testing {
namespace {

class KeyRotationLab : public ControllerLab {
 protected:
  grpc::Status Modify(const std::string& id, const std::string& key_id) {
    ::csi::v1::ControllerModifyVolumeRequest r;
    r.set_volume_id(id);
    (*r.mutable_secrets())["keyID"] = key_id;
    (*r.mutable_mutable_parameters())[controller::kParamKeyRotation] = "lab";
    ::csi::v1::ControllerModifyVolumeResponse out;
    return Call("ControllerModifyVolume", r, &out);
  }
  // The data key that `metadata` records, opened with `key_id`'s bytes from Barbican.
  absl::StatusOr<SecureBytes> OpenDek(const std::map<std::string, std::string>& metadata,
                                      const std::string& wrap_name, const std::string& key_id) {
    auto descriptor = envelope::FromMetadata(metadata);
    if (!descriptor.ok()) return descriptor.status();
    if (descriptor->key_id != key_id) {
      return absl::FailedPreconditionError("bound to " + descriptor->key_id);
    }
    auto kek = demo_->clients.barbican->GetPayload(Opts(), key_id);
    if (!kek.ok()) return kek.status();
    return envelope::UnwrapDek(*kek, descriptor->wrapped_dek, {wrap_name, key_id});
  }
  // The consumers Barbican records on `key_id`, as "resource_type/resource_id".
  std::set<std::string> Consumers(const std::string& key_id) {
    auto barbican = openstack::testing::BarbicanTestClient::Of(*demo_->clients.barbican);
    EXPECT_TRUE(barbican.ok()) << barbican.status();
    if (!barbican.ok()) return {};
    auto list = (*barbican)->ListConsumers(Opts(), key_id);
    EXPECT_TRUE(list.ok()) << list.status();
    std::set<std::string> out;
    for (const auto& c : list.ok() ? *list : std::vector<openstack::SecretConsumer>{}) {
      EXPECT_EQ(c.service, "volume");
      out.insert(c.resource_type + "/" + c.resource_id);
    }
    return out;
  }
  void Delete(const std::string& method, const std::string& id) {
    grpc::Status s;
    if (method == "DeleteSnapshot") {
      ::csi::v1::DeleteSnapshotRequest r;
      r.set_snapshot_id(id);
      ::csi::v1::DeleteSnapshotResponse out;
      s = Call(method, r, &out);
    } else {
      ::csi::v1::DeleteVolumeRequest r;
      r.set_volume_id(id);
      ::csi::v1::DeleteVolumeResponse out;
      s = Call(method, r, &out);
    }
    EXPECT_TRUE(s.ok()) << method << " " << id << ": " << s.error_message();
  }
};

TEST_F(KeyRotationLab, VolumeAndSnapshotMoveToTheNewKeyAndOutliveTheOldOne) {
  const std::string old_key = StoreKey(demo_, 'o');
  const std::string new_key = StoreKey(demo_, 'w');
  const std::string name = StrCat("lab-rotate-", absl::ToUnixMicros(absl::Now()));
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Call("CreateVolume", Request(name, old_key), &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string id = created.volume().volume_id();
  ::csi::v1::CreateSnapshotRequest snap;
  snap.set_name(name + "-snap");
  snap.set_source_volume_id(id);
  ::csi::v1::CreateSnapshotResponse snapped;
  ASSERT_TRUE(Call("CreateSnapshot", snap, &snapped).ok());
  const std::string snap_id = snapped.snapshot().snapshot_id();
  auto volume = demo_->clients.cinder->GetVolume(Opts(), id);
  ASSERT_TRUE(volume.ok());
  auto dek = OpenDek(volume->metadata, name, old_key);
  ASSERT_TRUE(dek.ok()) << dek.status();
  // The lab's Barbican (Zed, key-manager 1.1) records who uses the key.
  const std::set<std::string> both = {"volume/" + id, "snapshot/" + snap_id};
  EXPECT_EQ(Consumers(old_key), both);

  s = Modify(id, new_key);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << plugin_->Log();
  EXPECT_EQ(Consumers(new_key), both) << "the records move with the rotation";
  EXPECT_TRUE(Consumers(old_key).empty());
  DeleteKey(demo_, old_key);  // the tenant retires the old key
  volume = demo_->clients.cinder->GetVolume(Opts(), id);
  ASSERT_TRUE(volume.ok());
  auto rotated = OpenDek(volume->metadata, name, new_key);
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_TRUE(rotated->ConstantTimeEquals(*dek));
  EXPECT_EQ(volume->metadata.at(envelope::kMetaPreviousKeyId), old_key);
  EXPECT_EQ(volume->metadata.count(envelope::kMetaNextWrappedDek), 0u);
  auto snapshot_md = demo_->clients.cinder->GetSnapshotMetadata(Opts(), snap_id);
  ASSERT_TRUE(snapshot_md.ok());
  auto snapshot_dek = OpenDek(*snapshot_md, name, new_key);
  ASSERT_TRUE(snapshot_dek.ok()) << snapshot_dek.status();
  EXPECT_TRUE(snapshot_dek->ConstantTimeEquals(*dek));
  EXPECT_TRUE(Modify(id, new_key).ok()) << "a repeat is a no-op, old key gone or not";

  // The snapshot restored after the rotation: under the new key, the same data key.
  auto restore = Request(name + "-restored", new_key);
  restore.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id(snap_id);
  ::csi::v1::CreateVolumeResponse restored;
  s = Call("CreateVolume", restore, &restored);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto restored_volume = demo_->clients.cinder->GetVolume(Opts(), restored.volume().volume_id());
  ASSERT_TRUE(restored_volume.ok());
  auto restored_dek = OpenDek(restored_volume->metadata, name + "-restored", new_key);
  ASSERT_TRUE(restored_dek.ok()) << restored_dek.status();
  EXPECT_TRUE(restored_dek->ConstantTimeEquals(*dek));

  EXPECT_EQ(Consumers(new_key).size(), 3u) << "the restore is recorded too";
  Delete("DeleteVolume", restored.volume().volume_id());
  Delete("DeleteSnapshot", snap_id);
  Delete("DeleteVolume", id);
  EXPECT_TRUE(Consumers(new_key).empty()) << "deleted volumes and snapshots are no consumers";
  DeleteKey(demo_, new_key);
}

TEST_F(KeyRotationLab, ACinderModeVolumeKeepsItsKeyAndSaysWhy) {
  const std::string type = Env("LAB_ENCRYPTED_VOLUME_TYPE");
  if (type.empty()) GTEST_SKIP() << "the lab has no encrypted volume type";
  const std::string key = StoreKey(demo_, 'c');
  const std::string other = StoreKey(demo_, 'd');
  const std::string name = StrCat("lab-rotate-cinder-", absl::ToUnixMicros(absl::Now()));
  auto request = Request(name, key);
  (*request.mutable_parameters())["encryption"] = "cinder";
  (*request.mutable_parameters())["type"] = type;
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Call("CreateVolume", request, &created);
  if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    GTEST_SKIP() << "this lab's Cinder has no byok-for-cinder: " << s.error_message();
  }
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Modify(created.volume().volume_id(), other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("encryption=envelope"), std::string::npos);
  auto volume = demo_->clients.cinder->GetVolume(Opts(), created.volume().volume_id());
  ASSERT_TRUE(volume.ok());
  EXPECT_EQ(volume->metadata.at(envelope::kMetaKeyId), key) << "nothing changed";
  Delete("DeleteVolume", created.volume().volume_id());
  DeleteKey(demo_, key);
  DeleteKey(demo_, other);
}

// The rotation metrics of a controller that rotated a volume against the real lab.
TEST_F(KeyRotationLab, RotationsAndKeyFetchesAreScraped) {
  const int port = FreeTcpPort();
  auto plugin =
      PluginProcess::Start({"--mode=controller", "--cloud-config=" + Env("LAB_CLOUD_CONF"),
                            "--cluster=lab-test", StrCat("--metrics-address=127.0.0.1:", port)},
                           absl::Seconds(30));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  const std::string old_key = StoreKey(demo_, 'p');
  const std::string new_key = StoreKey(demo_, 'q');
  const std::string name = StrCat("lab-rotate-metrics-", absl::ToUnixMicros(absl::Now()));
  auto call = [&](std::string_view method, const auto& request, auto* response) {
    return (*plugin)->client().Call(csi::Client::FindMethod(method), request, response,
                                    absl::Seconds(120));
  };
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(call("CreateVolume", Request(name, old_key), &created).ok());
  ::csi::v1::ControllerModifyVolumeRequest modify;
  modify.set_volume_id(created.volume().volume_id());
  (*modify.mutable_secrets())["keyID"] = new_key;
  (*modify.mutable_mutable_parameters())[controller::kParamKeyRotation] = "lab";
  ::csi::v1::ControllerModifyVolumeResponse modified;
  ASSERT_TRUE(call("ControllerModifyVolume", modify, &modified).ok());

  const std::string scrape =
      WaitForMetric(port, "byok_key_rotations_total{result=\"ok\"} 1", absl::Seconds(10));
  EXPECT_NE(scrape.find("byok_key_rotations_total{result=\"ok\"} 1"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("byok_key_rotations_total{result=\"failed\"} 0"), std::string::npos);
  // Create read the key once, the rotation the new and the old one.
  EXPECT_NE(scrape.find("byok_key_fetch_seconds_count 3"), std::string::npos) << scrape;

  ::csi::v1::DeleteVolumeRequest del;
  del.set_volume_id(created.volume().volume_id());
  ::csi::v1::DeleteVolumeResponse deleted;
  EXPECT_TRUE(call("DeleteVolume", del, &deleted).ok());
  DeleteKey(demo_, old_key);
  DeleteKey(demo_, new_key);
}

// byokctl of the same build: $BYOK_CTL_BINARY, else BUILD/tools/byokctl/byokctl beside the
// plugin's BUILD/cmd/cinder-byok-csi.
std::string ByokctlBinary() {
  if (!Env("BYOK_CTL_BINARY").empty()) return Env("BYOK_CTL_BINARY");
  std::filesystem::path plugin = std::filesystem::absolute(PluginBinary());
  return (plugin.parent_path().parent_path() / "tools/byokctl/byokctl").string();
}

// `byokctl ARGS` against the suite's controller socket: exit status and output.
std::pair<int, std::string> Byokctl(const std::string& endpoint, const std::string& args) {
  const std::string command = StrCat(ByokctlBinary(), " --endpoint=", endpoint, " ", args, " 2>&1");
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The operator's view of a key: byokctl lists the volumes under it (through ListVolumes) and
// rotates them all (through ControllerModifyVolume), with a dry run first; and a volume whose
// key was deleted shows as abnormal in ControllerGetVolume.
TEST_F(KeyRotationLab, ByokctlFindsAndRotatesAKeysVolumesAndGetVolumeShowsARevokedKey) {
  ASSERT_TRUE(std::filesystem::exists(ByokctlBinary())) << ByokctlBinary();
  const std::string from = StoreKey(demo_, 'f');
  const std::string to = StoreKey(demo_, 't');
  const std::string name = StrCat("lab-byokctl-", absl::ToUnixMicros(absl::Now()));
  std::vector<std::string> ids;
  for (const char* suffix : {"-1", "-2"}) {
    ::csi::v1::CreateVolumeResponse created;
    ASSERT_TRUE(Call("CreateVolume", Request(name + suffix, from), &created).ok());
    ids.push_back(created.volume().volume_id());
  }
  auto [rc, out] = Byokctl(plugin_->endpoint(), "keys " + from);
  EXPECT_EQ(rc, 0) << out;
  for (const auto& id : ids) EXPECT_NE(out.find(id), std::string::npos) << out;
  EXPECT_NE(out.find("2 volume(s) under key " + from), std::string::npos) << out;

  std::tie(rc, out) = Byokctl(plugin_->endpoint(), StrCat("rotate ", from, " ", to, " --dry-run"));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("[2/2] "), std::string::npos) << out;
  EXPECT_NE(out.find("would rotate"), std::string::npos) << out;
  for (const auto& id : ids) {
    EXPECT_EQ(demo_->clients.cinder->GetVolume(Opts(), id)->metadata.at(envelope::kMetaKeyId), from)
        << "a dry run changes nothing";
  }
  std::tie(rc, out) = Byokctl(plugin_->endpoint(), StrCat("rotate ", from, " ", to));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("2 volume(s) under key " + from + ", 0 failed"), std::string::npos) << out;
  for (const auto& id : ids) {
    EXPECT_EQ(demo_->clients.cinder->GetVolume(Opts(), id)->metadata.at(envelope::kMetaKeyId), to);
  }
  std::tie(rc, out) = Byokctl(plugin_->endpoint(), "keys " + from);
  EXPECT_NE(out.find("0 volume(s)"), std::string::npos) << out;

  // The key deleted under a volume: ControllerGetVolume reports it.
  ::csi::v1::ControllerGetVolumeRequest get;
  get.set_volume_id(ids[0]);
  ::csi::v1::ControllerGetVolumeResponse before, after;
  ASSERT_TRUE(Call("ControllerGetVolume", get, &before).ok());
  EXPECT_FALSE(before.status().volume_condition().abnormal());
  EXPECT_EQ(before.volume().volume_context().at("keyID"), to);
  DeleteKey(demo_, to);
  ASSERT_TRUE(Call("ControllerGetVolume", get, &after).ok());
  EXPECT_TRUE(after.status().volume_condition().abnormal());
  EXPECT_NE(after.status().volume_condition().message().find(to + " of this volume was deleted"),
            std::string::npos)
      << after.status().volume_condition().message();

  for (const auto& id : ids) {
    ::csi::v1::DeleteVolumeRequest del;
    del.set_volume_id(id);
    ::csi::v1::DeleteVolumeResponse deleted;
    EXPECT_TRUE(Call("DeleteVolume", del, &deleted).ok()) << "a revoked key does not block it";
  }
  DeleteKey(demo_, from);
}

}  // namespace
}  // namespace byok::testing
