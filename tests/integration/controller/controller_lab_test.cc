// The CSI controller against the real lab: Keystone, Barbican, Cinder (and Nova when the lab
// runs it). Each test drives the real binary over its socket, as the sidecars would, and
// checks Cinder and Barbican directly, counting what exists before and after.
#include "tests/integration/controller/controller_lab.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "cloud/openstack_cloud_access.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "csi/csi.pb.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "openstack/cloud_config.h"
#include "tests/conformance/plugin_process.h"
#include "tests/integration/driver_lab/lab_driver.h"

namespace byok::testing {
namespace {

TEST_F(ControllerLab, EnvelopeLifecycle) {
  std::string key = StoreKey(demo_, 'e');
  std::string name = StrCat("lab-env-", absl::ToUnixMicros(absl::Now()));
  auto request = Request(name, key);
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Call("CreateVolume", request, &created);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << plugin_->Log();
  const std::string id = created.volume().volume_id();
  EXPECT_EQ(created.volume().capacity_bytes(), controller::kGiB);

  // Cinder holds the descriptor; the wrapped DEK opens with the tenant's key.
  auto volume = demo_->clients.cinder->GetVolume(Opts(), id);
  ASSERT_TRUE(volume.ok());
  EXPECT_EQ(volume->status, "available");
  auto descriptor = envelope::FromMetadata(volume->metadata);
  ASSERT_TRUE(descriptor.ok()) << descriptor.status();
  EXPECT_EQ(descriptor->mode, envelope::Mode::kEnvelope);
  EXPECT_EQ(descriptor->key_id, key);
  auto kek = demo_->clients.barbican->GetPayload(Opts(), key);
  ASSERT_TRUE(kek.ok());
  EXPECT_TRUE(envelope::UnwrapDek(*kek, descriptor->wrapped_dek, {name, key}).ok());
  EXPECT_EQ(volume->metadata.at("csi.storage.k8s.io/pvc/name"), name);

  // Idempotent retry.
  ::csi::v1::CreateVolumeResponse again;
  ASSERT_TRUE(Call("CreateVolume", request, &again).ok());
  EXPECT_EQ(again.volume().volume_id(), id);

  // Snapshot, restore (keeps the binding), expand.
  ::csi::v1::CreateSnapshotRequest snap;
  snap.set_name(name + "-snap");
  snap.set_source_volume_id(id);
  ::csi::v1::CreateSnapshotResponse snapped;
  s = Call("CreateSnapshot", snap, &snapped);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(snapped.snapshot().ready_to_use());
  ::csi::v1::ListSnapshotsRequest list_snaps;
  list_snaps.set_source_volume_id(id);
  ::csi::v1::ListSnapshotsResponse listed;
  ASSERT_TRUE(Call("ListSnapshots", list_snaps, &listed).ok());
  ASSERT_EQ(listed.entries_size(), 1);

  auto restore = Request(name + "-restored", key);
  restore.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id(
      snapped.snapshot().snapshot_id());
  ::csi::v1::CreateVolumeResponse restored;
  s = Call("CreateVolume", restore, &restored);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto restored_volume = demo_->clients.cinder->GetVolume(Opts(), restored.volume().volume_id());
  ASSERT_TRUE(restored_volume.ok());
  auto restored_descriptor = envelope::FromMetadata(restored_volume->metadata);
  ASSERT_TRUE(restored_descriptor.ok());
  auto dek_a = envelope::UnwrapDek(*kek, descriptor->wrapped_dek, {name, key});
  auto dek_b =
      envelope::UnwrapDek(*kek, restored_descriptor->wrapped_dek, {name + "-restored", key});
  ASSERT_TRUE(dek_a.ok() && dek_b.ok());
  EXPECT_TRUE(dek_a->ConstantTimeEquals(*dek_b));  // the copied LUKS header still opens

  ::csi::v1::ControllerExpandVolumeRequest expand;
  expand.set_volume_id(id);
  expand.mutable_capacity_range()->set_required_bytes(2 * controller::kGiB);
  ::csi::v1::ControllerExpandVolumeResponse expanded;
  s = Call("ControllerExpandVolume", expand, &expanded);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(expanded.capacity_bytes(), 2 * controller::kGiB);
  EXPECT_TRUE(expanded.node_expansion_required());

  // A volume with a snapshot cannot go, and keeps its key.
  ::csi::v1::DeleteVolumeRequest del;
  del.set_volume_id(id);
  ::csi::v1::DeleteVolumeResponse deleted;
  EXPECT_EQ(Call("DeleteVolume", del, &deleted).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(
      demo_->clients.cinder->GetVolume(Opts(), id)->metadata.contains(envelope::kMetaWrappedDek));

  ::csi::v1::DeleteSnapshotRequest del_snap;
  del_snap.set_snapshot_id(snapped.snapshot().snapshot_id());
  ::csi::v1::DeleteSnapshotResponse snap_deleted;
  ASSERT_TRUE(Call("DeleteSnapshot", del_snap, &snap_deleted).ok());
  ::csi::v1::DeleteVolumeRequest del_restored;
  del_restored.set_volume_id(restored.volume().volume_id());
  ASSERT_TRUE(Call("DeleteVolume", del_restored, &deleted).ok());
  // The snapshot delete is asynchronous; the volume delete waits for it by retrying.
  for (int i = 0; i < 60; ++i) {
    s = Call("DeleteVolume", del, &deleted);
    if (s.ok()) break;
    absl::SleepFor(absl::Seconds(1));
  }
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(Call("DeleteVolume", del, &deleted).ok());  // idempotent
  EXPECT_TRUE(
      demo_->clients.barbican->GetSecret(Opts(), key).ok());  // the tenant's key stays theirs
  for (int i = 0; i < 30 && OurVolumes() > 0; ++i) absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(OurVolumes(), 0);
  DeleteKey(demo_, key);
}

TEST_F(ControllerLab, PublishAndUnpublishThroughNova) {
  if (Env("LAB_NOVA") != "1") GTEST_SKIP() << "the lab runs without Nova";
  std::string name = StrCat("lab-pub-", absl::ToUnixMicros(absl::Now()));
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Call("CreateVolume", Request(name, ""), &created).ok());
  ::csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id(created.volume().volume_id());
  publish.set_node_id(Env("LAB_NOVA_SERVER_ID"));
  *publish.mutable_volume_capability() = Request("x", "").volume_capabilities(0);
  ::csi::v1::ControllerPublishVolumeResponse published;
  grpc::Status s = Call("ControllerPublishVolume", publish, &published);
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << plugin_->Log();
  EXPECT_EQ(demo_->clients.cinder->GetVolume(Opts(), publish.volume_id())->status, "in-use");
  EXPECT_TRUE(Call("ControllerPublishVolume", publish, &published).ok());  // idempotent
  auto unknown = publish;
  unknown.set_node_id("00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(Call("ControllerPublishVolume", unknown, &published).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ::csi::v1::DeleteVolumeRequest del;
  del.set_volume_id(publish.volume_id());
  ::csi::v1::DeleteVolumeResponse deleted;
  EXPECT_EQ(Call("DeleteVolume", del, &deleted).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  ::csi::v1::ControllerUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(publish.volume_id());
  unpublish.set_node_id(publish.node_id());
  ::csi::v1::ControllerUnpublishVolumeResponse unpublished;
  s = Call("ControllerUnpublishVolume", unpublish, &unpublished);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(demo_->clients.cinder->GetVolume(Opts(), publish.volume_id())->status, "available");
  EXPECT_TRUE(Call("ControllerUnpublishVolume", unpublish, &unpublished).ok());
  ASSERT_TRUE(Call("DeleteVolume", del, &deleted).ok());
}

TEST_F(ControllerLab, BadInputTableLeavesNothingBehind) {
  std::string good = StoreKey(demo_, 'g');
  std::string small = StoreKey(demo_, 's', 128);
  std::string passphrase = StoreKey(demo_, 'p', 256, "passphrase");
  std::string alt_key = StoreKey(alt_, 'a');
  struct Case {
    std::string what;
    std::function<void(::csi::v1::CreateVolumeRequest&)> mutate;
    grpc::StatusCode code;
  };
  std::vector<Case> cases = {
      {"missing key",
       [](auto& r) {
         r.mutable_secrets()->clear();
         (*r.mutable_parameters())["encryption"] = "envelope";
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"unknown key",
       [](auto& r) { (*r.mutable_secrets())["keyID"] = "0b9a1c2e-3f4d-4e5f-8a6b-7c8d9e0f1a2b"; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"other project's key", [&](auto& r) { (*r.mutable_secrets())["keyID"] = alt_key; },
       grpc::StatusCode::PERMISSION_DENIED},
      {"128-bit key", [&](auto& r) { (*r.mutable_secrets())["keyID"] = small; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"passphrase-type key", [&](auto& r) { (*r.mutable_secrets())["keyID"] = passphrase; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"encryption=none with a key",
       [](auto& r) { (*r.mutable_parameters())["encryption"] = "none"; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"unknown parameter", [](auto& r) { (*r.mutable_parameters())["size"] = "10"; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"impossible capacity",
       [](auto& r) {
         r.mutable_capacity_range()->set_required_bytes(controller::kGiB + 1);
         r.mutable_capacity_range()->set_limit_bytes(controller::kGiB + 2);
       },
       grpc::StatusCode::OUT_OF_RANGE},
      {"multi-node access mode",
       [](auto& r) {
         r.mutable_volume_capabilities(0)->mutable_access_mode()->set_mode(
             VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"unknown volume type", [](auto& r) { (*r.mutable_parameters())["type"] = "no-such-type"; },
       grpc::StatusCode::INVALID_ARGUMENT},
  };
  int volumes_before = OurVolumes();
  for (const Case& c : cases) {
    auto request = Request(StrCat("lab-bad-", absl::ToUnixMicros(absl::Now())), good);
    c.mutate(request);
    ::csi::v1::CreateVolumeResponse response;
    grpc::Status s = Call("CreateVolume", request, &response);
    EXPECT_EQ(s.error_code(), c.code) << c.what << ": " << s.error_message();
    // The table for the closing note: case | gRPC code | message.
    std::printf("bad input | %s | %d | %s\n", c.what.c_str(), static_cast<int>(s.error_code()),
                s.error_message().c_str());
  }
  EXPECT_EQ(OurVolumes(), volumes_before);
  // The tenant's keys are untouched and no new secret appeared for any volume.
  for (const std::string& k : {good, small, passphrase}) {
    EXPECT_TRUE(demo_->clients.barbican->GetSecret(Opts(), k).ok()) << k;
    DeleteKey(demo_, k);
  }
  DeleteKey(alt_, alt_key);
}

TEST_F(ControllerLab, CinderModeBindsTheTenantsKeyOrSaysWhyNot) {
  std::string key = StoreKey(demo_, 'c');
  std::string name = StrCat("lab-cinder-", absl::ToUnixMicros(absl::Now()));
  auto request = Request(name, key);
  (*request.mutable_parameters())["encryption"] = "cinder";
  (*request.mutable_parameters())["type"] =
      Env("LAB_ENCRYPTED_VOLUME_TYPE").empty() ? "luks" : Env("LAB_ENCRYPTED_VOLUME_TYPE");
  auto version = demo_->clients.cinder->GetApiVersion(Opts());
  ASSERT_TRUE(version.ok());
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = Call("CreateVolume", request, &created);
  if (!version->Supports("3.71")) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find("encryption=envelope"), std::string::npos);
    EXPECT_EQ(OurVolumes(), 0);
  } else {
    ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << plugin_->Log();
    const std::string id = created.volume().volume_id();
    auto encryption = demo_->clients.cinder->GetVolumeEncryption(Opts(), id);
    ASSERT_TRUE(encryption.ok());
    EXPECT_NE(encryption->encryption_key_id, key);  // Cinder owns a clone...
    auto clone = demo_->clients.barbican->GetPayload(Opts(), encryption->encryption_key_id);
    auto mine = demo_->clients.barbican->GetPayload(Opts(), key);
    ASSERT_TRUE(clone.ok() && mine.ok());
    EXPECT_TRUE(clone->ConstantTimeEquals(*mine));  // ...of the very same bytes.
    ::csi::v1::DeleteVolumeRequest del;
    del.set_volume_id(id);
    ::csi::v1::DeleteVolumeResponse deleted;
    ASSERT_TRUE(Call("DeleteVolume", del, &deleted).ok());
    for (int i = 0; i < 30 && OurVolumes() > 0; ++i) absl::SleepFor(absl::Seconds(1));
    EXPECT_TRUE(demo_->clients.barbican->GetSecret(Opts(), key).ok());  // the original stays
  }
  DeleteKey(demo_, key);
}

// A stock Cinder newer than the BYOK microversion number passes the version pre-flight and
// rejects encryption_key_id in the body. The lab's Cinder is that Cinder below 3.71 (its
// schema from 3.53 to 3.70 has no such field), so a plugin told the BYOK microversion is
// 3.70 meets exactly that answer.
TEST_F(ControllerLab, CinderModeOnACinderThatRejectsTheKeyIdSaysSoBeforeLeavingAnything) {
  std::ifstream in(Env("LAB_CLOUD_CONF"));
  std::string conf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(conf.empty());
  const std::string path = StrCat(::testing::TempDir(), "/stock-cinder-", getpid(), ".conf");
  {
    std::ofstream out(path);
    out << conf << "\n[BlockStorage]\ncinder-microversion-byok = 3.70\n";
  }
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  auto plugin = PluginProcess::Start(
      {"--mode=controller", "--cloud-config=" + path, "--cluster=lab-test-stock", "--v=2"},
      absl::Seconds(30));
  std::remove(path.c_str());  // read at start; it holds the driver's password
  ASSERT_TRUE(plugin.ok()) << plugin.status();

  std::string key = StoreKey(demo_, 's');
  auto request = Request(StrCat("lab-stock-", absl::ToUnixMicros(absl::Now())), key);
  (*request.mutable_parameters())["encryption"] = "cinder";
  (*request.mutable_parameters())["type"] =
      Env("LAB_ENCRYPTED_VOLUME_TYPE").empty() ? "luks" : Env("LAB_ENCRYPTED_VOLUME_TYPE");
  ::csi::v1::CreateVolumeResponse created;
  grpc::Status s = (*plugin)->client().Call(csi::Client::FindMethod("CreateVolume"), request,
                                            &created, absl::Seconds(120));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find("rejected encryption_key_id"), std::string::npos)
      << s.error_message();
  EXPECT_NE(s.error_message().find("encryption=envelope"), std::string::npos);
  openstack::ListRequest list;
  list.metadata[controller::kMetaCluster] = "lab-test-stock";
  auto left = demo_->clients.cinder->ListVolumes(Opts(), list);
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_TRUE(left->volumes.empty());
  EXPECT_TRUE(demo_->clients.barbican->GetSecret(Opts(), key).ok());
  DeleteKey(demo_, key);
}

}  // namespace
}  // namespace byok::testing
