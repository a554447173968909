#include "controller/controller_service.h"

#include <gtest/gtest.h>

#include "cloud/testing/fake_cloud_access.h"
#include "controller/capacity.h"
#include "envelope/key_wrap.h"

namespace byok::controller {
namespace {

using openstack::testing::FakeBarbican;
using openstack::testing::FakeCinder;
using openstack::testing::FakeNova;

class FakeCloud : public cloud::testing::FakeCloudAccess {
 public:
  FakeCloud() : FakeCloudAccess("tenant") {}
};

class ControllerServiceTest : public ::testing::Test {
 protected:
  ControllerServiceTest() : service_(&cloud_, ControllerOptions{}) {
    key_id_ = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'K')));
    cloud_.nova->AddServer(
        {.id = "node-1", .name = "node-1", .status = "ACTIVE", .availability_zone = "nova"});
  }

  ::csi::v1::CreateVolumeRequest Request(const std::string& name) {
    ::csi::v1::CreateVolumeRequest r;
    r.set_name(name);
    auto* cap = r.add_volume_capabilities();
    cap->mutable_mount()->set_fs_type("ext4");
    cap->mutable_access_mode()->set_mode(
        ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    (*r.mutable_secrets())["keyID"] = key_id_;
    return r;
  }
  grpc::Status Create(const ::csi::v1::CreateVolumeRequest& r,
                      ::csi::v1::CreateVolumeResponse* out) {
    grpc::ServerContext context;
    return service_.CreateVolume(&context, &r, out);
  }
  size_t VolumeCount() { return cloud_.cinder->Volumes().size(); }

  FakeCloud cloud_;
  ControllerService service_;
  std::string key_id_;
};

TEST_F(ControllerServiceTest, EnvelopeCreateStoresAWrappedKeyThatUnwraps) {
  ::csi::v1::CreateVolumeResponse response;
  grpc::Status s = Create(Request("pvc-1"), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.volume().capacity_bytes(), kGiB);
  EXPECT_EQ(response.volume().volume_context().at("encryption"), "envelope");
  auto volumes = cloud_.cinder->Volumes();
  ASSERT_EQ(volumes.size(), 1u);
  auto descriptor = envelope::FromMetadata(volumes[0].metadata);
  ASSERT_TRUE(descriptor.ok());
  EXPECT_EQ(descriptor->mode, envelope::Mode::kEnvelope);
  EXPECT_EQ(descriptor->key_id, key_id_);
  EXPECT_EQ(descriptor->luks_state, envelope::LuksState::kPending);
  auto dek = envelope::UnwrapDek(SecureBytes::FromView(std::string(32, 'K')),
                                 descriptor->wrapped_dek, {"pvc-1", key_id_});
  EXPECT_TRUE(dek.ok()) << dek.status();
  EXPECT_EQ(volumes[0].metadata.at(kMetaCreatedFor), "pvc-1");
  // Nothing secret leaves in the response.
  for (const auto& [k, v] : response.volume().volume_context()) {
    EXPECT_EQ(v.find(descriptor->wrapped_dek), std::string::npos);
  }
}

TEST_F(ControllerServiceTest, CreateIsIdempotentByName) {
  ::csi::v1::CreateVolumeResponse first, second;
  ASSERT_TRUE(Create(Request("pvc-2"), &first).ok());
  ASSERT_TRUE(Create(Request("pvc-2"), &second).ok());
  EXPECT_EQ(first.volume().volume_id(), second.volume().volume_id());
  EXPECT_EQ(VolumeCount(), 1u);
  // Same name, different size: ALREADY_EXISTS.
  auto bigger = Request("pvc-2");
  bigger.mutable_capacity_range()->set_required_bytes(5 * kGiB);
  ::csi::v1::CreateVolumeResponse third;
  EXPECT_EQ(Create(bigger, &third).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ControllerServiceTest, BadInputCreatesNothing) {
  struct Case {
    std::string what;
    std::function<void(::csi::v1::CreateVolumeRequest&)> mutate;
    grpc::StatusCode code;
  };
  std::string other_project_key =
      cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'O')), "other");
  std::string short_key = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(16, 'S')));
  std::vector<Case> cases = {
      {"no name", [](auto& r) { r.clear_name(); }, grpc::StatusCode::INVALID_ARGUMENT},
      {"no capabilities", [](auto& r) { r.clear_volume_capabilities(); },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"missing key",
       [](auto& r) {
         r.mutable_secrets()->erase("keyID");
         (*r.mutable_parameters())["encryption"] = "envelope";
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"unknown key",
       [](auto& r) { (*r.mutable_secrets())["keyID"] = "11111111-2222-3333-4444-555555555555"; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"other project's key", [&](auto& r) { (*r.mutable_secrets())["keyID"] = other_project_key; },
       grpc::StatusCode::PERMISSION_DENIED},
      {"128-bit key", [&](auto& r) { (*r.mutable_secrets())["keyID"] = short_key; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"encryption=none with key",
       [](auto& r) { (*r.mutable_parameters())["encryption"] = "none"; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"unknown parameter", [](auto& r) { (*r.mutable_parameters())["colour"] = "blue"; },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"impossible capacity",
       [](auto& r) {
         r.mutable_capacity_range()->set_required_bytes(kGiB + 1);
         r.mutable_capacity_range()->set_limit_bytes(kGiB + 2);
       },
       grpc::StatusCode::OUT_OF_RANGE},
      {"multi-node access",
       [](auto& r) {
         r.mutable_volume_capabilities(0)->mutable_access_mode()->set_mode(
             ::csi::v1::VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
       },
       grpc::StatusCode::INVALID_ARGUMENT},
      {"cinder mode on stock Cinder",
       [](auto& r) { (*r.mutable_parameters())["encryption"] = "cinder"; },
       grpc::StatusCode::FAILED_PRECONDITION},
  };
  size_t secrets_before = cloud_.barbican->SecretCount();
  for (const Case& c : cases) {
    auto request = Request("bad-" + c.what);
    c.mutate(request);
    ::csi::v1::CreateVolumeResponse response;
    grpc::Status s = Create(request, &response);
    EXPECT_EQ(s.error_code(), c.code) << c.what << ": " << s.error_message();
    EXPECT_FALSE(s.error_message().empty()) << c.what;
  }
  EXPECT_EQ(VolumeCount(), 0u);
  EXPECT_EQ(cloud_.barbican->SecretCount(), secrets_before);
}

TEST_F(ControllerServiceTest, QuotaIsResourceExhausted) {
  cloud_.cinder->SetLimits(0, -1, -1);
  ::csi::v1::CreateVolumeResponse response;
  EXPECT_EQ(Create(Request("pvc-q"), &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ControllerServiceTest, StillCreatingAtDeadlineIsAbortedAndRetryFindsIt) {
  cloud_.cinder->SetInitialStatus("creating");
  ::csi::v1::CreateVolumeRequest request = Request("pvc-slow");
  ::csi::v1::CreateVolumeResponse response;
  // An in-process ServerContext has no deadline; a short default timeout stands in for it.
  ControllerService quick(&cloud_, ControllerOptions{.default_timeout = absl::Seconds(1)});
  grpc::ServerContext ctx;
  grpc::Status s = quick.CreateVolume(&ctx, &request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  ASSERT_EQ(VolumeCount(), 1u);
  cloud_.cinder->SetVolumeStatus(cloud_.cinder->Volumes()[0].id, "available");
  EXPECT_TRUE(quick.CreateVolume(&ctx, &request, &response).ok());
  EXPECT_EQ(VolumeCount(), 1u);
}

TEST_F(ControllerServiceTest, DeleteCryptoErasesThenDeletesAndIsIdempotent) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-del"), &created).ok());
  ::csi::v1::DeleteVolumeRequest request;
  request.set_volume_id(created.volume().volume_id());
  ::csi::v1::DeleteVolumeResponse response;
  grpc::ServerContext context;
  ASSERT_TRUE(service_.DeleteVolume(&context, &request, &response).ok());
  EXPECT_EQ(VolumeCount(), 0u);
  EXPECT_TRUE(service_.DeleteVolume(&context, &request, &response).ok());
  EXPECT_TRUE(cloud_.barbican->Exists(key_id_));  // the tenant's key is theirs to keep
}

// A create that Cinder carried out after the caller gave up (hung API) leaves a second volume
// of the same CSI name; it goes with the volume it duplicates. Another cluster's volume of
// that name is not ours and stays.
TEST_F(ControllerServiceTest, DeleteAlsoRemovesDuplicatesOfTheSameNameAndCluster) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-dup"), &created).ok());
  const openstack::Volume original = cloud_.cinder->Volumes()[0];
  openstack::CreateVolumeRequest late;
  late.name = "pvc-dup";
  late.size_gib = 1;
  late.metadata = original.metadata;
  auto opts = openstack::CallOptions::WithTimeout(absl::Seconds(5));
  ASSERT_TRUE(cloud_.cinder->CreateVolume(opts, late).ok());
  late.metadata[kMetaCluster] = "another-cluster";
  auto foreign = cloud_.cinder->CreateVolume(opts, late);
  ASSERT_TRUE(foreign.ok());
  ASSERT_EQ(VolumeCount(), 3u);

  ::csi::v1::DeleteVolumeRequest request;
  request.set_volume_id(created.volume().volume_id());
  ::csi::v1::DeleteVolumeResponse response;
  grpc::ServerContext context;
  ASSERT_TRUE(service_.DeleteVolume(&context, &request, &response).ok());
  auto left = cloud_.cinder->Volumes();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, foreign->id);
}

// csi-sanity's ListVolumes spec, and the provisioner's view: a volume DeleteVolume answered
// OK for is not listed while Cinder is still deleting it.
TEST_F(ControllerServiceTest, ListVolumesLeavesOutVolumesCinderIsDeleting) {
  ::csi::v1::CreateVolumeResponse kept, going;
  ASSERT_TRUE(Create(Request("pvc-kept"), &kept).ok());
  ASSERT_TRUE(Create(Request("pvc-going"), &going).ok());
  for (const auto& v : cloud_.cinder->Volumes()) {
    if (v.name == "pvc-going") cloud_.cinder->SetVolumeStatus(v.id, "deleting");
  }
  ::csi::v1::ListVolumesRequest request;
  ::csi::v1::ListVolumesResponse response;
  grpc::ServerContext context;
  ASSERT_TRUE(service_.ListVolumes(&context, &request, &response).ok());
  ASSERT_EQ(response.entries_size(), 1);
  EXPECT_EQ(response.entries(0).volume().volume_id(), kept.volume().volume_id());
}

// A snapshot DeleteSnapshot answered OK for may still be `deleting` when the CO deletes its
// volume: the delete waits for it, and answers ABORTED (retry) at the deadline, with the
// volume and its data key untouched; a snapshot that is not being deleted is refused.
TEST_F(ControllerServiceTest, DeleteWaitsForSnapshotsCinderIsStillDeleting) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-snapped"), &created).ok());
  const std::string volume_id = cloud_.cinder->Volumes()[0].id;
  openstack::CreateSnapshotRequest snap;
  snap.volume_id = volume_id;
  snap.name = "snap";
  auto opts = openstack::CallOptions::WithTimeout(absl::Seconds(5));
  auto snapshot = cloud_.cinder->CreateSnapshot(opts, snap);
  ASSERT_TRUE(snapshot.ok());
  ControllerService quick(&cloud_, ControllerOptions{.default_timeout = absl::Seconds(1)});
  ::csi::v1::DeleteVolumeRequest request;
  request.set_volume_id(created.volume().volume_id());
  ::csi::v1::DeleteVolumeResponse response;
  grpc::ServerContext context;
  EXPECT_EQ(quick.DeleteVolume(&context, &request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  cloud_.cinder->SetSnapshotStatus(snapshot->id, "deleting");
  grpc::Status s = quick.DeleteVolume(&context, &request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  ASSERT_EQ(VolumeCount(), 1u);
  EXPECT_TRUE(cloud_.cinder->Volumes()[0].metadata.count(envelope::kMetaWrappedDek));
}

TEST_F(ControllerServiceTest, DeleteOfAttachedVolumeIsFailedPrecondition) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-att"), &created).ok());
  cloud_.cinder->Attach(created.volume().volume_id(), "node-1");
  ::csi::v1::DeleteVolumeRequest request;
  request.set_volume_id(created.volume().volume_id());
  ::csi::v1::DeleteVolumeResponse response;
  grpc::ServerContext context;
  EXPECT_EQ(service_.DeleteVolume(&context, &request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(VolumeCount(), 1u);
}

TEST_F(ControllerServiceTest, PublishUnpublishAndTheirErrors) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-pub"), &created).ok());
  ::csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id(created.volume().volume_id());
  publish.set_node_id("node-1");
  *publish.mutable_volume_capability() = Request("x").volume_capabilities(0);
  ::csi::v1::ControllerPublishVolumeResponse published;
  grpc::ServerContext context;
  grpc::Status s = service_.ControllerPublishVolume(&context, &publish, &published);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(service_.ControllerPublishVolume(&context, &publish, &published).ok());

  auto elsewhere = publish;
  cloud_.nova->AddServer({.id = "node-2", .name = "node-2", .status = "ACTIVE"});
  elsewhere.set_node_id("node-2");
  EXPECT_EQ(service_.ControllerPublishVolume(&context, &elsewhere, &published).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  auto unknown_node = publish;
  unknown_node.set_node_id("no-such-node");
  EXPECT_EQ(service_.ControllerPublishVolume(&context, &unknown_node, &published).error_code(),
            grpc::StatusCode::NOT_FOUND);

  ::csi::v1::ControllerUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(publish.volume_id());
  unpublish.set_node_id("node-1");
  ::csi::v1::ControllerUnpublishVolumeResponse unpublished;
  s = service_.ControllerUnpublishVolume(&context, &unpublish, &unpublished);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(service_.ControllerUnpublishVolume(&context, &unpublish, &unpublished).ok());
}

TEST_F(ControllerServiceTest, SnapshotCarriesDescriptorAndRestoreRewraps) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-src"), &created).ok());
  ::csi::v1::CreateSnapshotRequest snap;
  snap.set_name("snap-1");
  snap.set_source_volume_id(created.volume().volume_id());
  ::csi::v1::CreateSnapshotResponse snapped;
  grpc::ServerContext context;
  grpc::Status s = service_.CreateSnapshot(&context, &snap, &snapped);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(snapped.snapshot().ready_to_use());

  // Restore under a second key: both keys are used, and the new wrap opens with the new key.
  std::string key2 = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'L')));
  auto restore = Request("pvc-restored");
  (*restore.mutable_secrets())["keyID"] = key2;
  restore.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id(
      snapped.snapshot().snapshot_id());
  ::csi::v1::CreateVolumeResponse restored;
  s = Create(restore, &restored);
  ASSERT_TRUE(s.ok()) << s.error_message();
  openstack::Volume volume;
  for (const auto& v : cloud_.cinder->Volumes()) {
    if (v.id == restored.volume().volume_id()) volume = v;
  }
  auto descriptor = envelope::FromMetadata(volume.metadata);
  ASSERT_TRUE(descriptor.ok());
  auto source_meta = envelope::FromMetadata(cloud_.cinder->Volumes()[0].metadata);
  auto dek_new = envelope::UnwrapDek(SecureBytes::FromView(std::string(32, 'L')),
                                     descriptor->wrapped_dek, {"pvc-restored", key2});
  ASSERT_TRUE(dek_new.ok()) << dek_new.status();

  // A plain StorageClass cannot restore an encrypted snapshot.
  auto plain = Request("pvc-plain");
  plain.mutable_secrets()->clear();
  *plain.mutable_volume_content_source() = restore.volume_content_source();
  ::csi::v1::CreateVolumeResponse out;
  EXPECT_EQ(Create(plain, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ControllerServiceTest, ExpandNeedsNodeExpansion) {
  ::csi::v1::CreateVolumeResponse created;
  ASSERT_TRUE(Create(Request("pvc-exp"), &created).ok());
  ::csi::v1::ControllerExpandVolumeRequest request;
  request.set_volume_id(created.volume().volume_id());
  request.mutable_capacity_range()->set_required_bytes(3 * kGiB);
  ::csi::v1::ControllerExpandVolumeResponse response;
  grpc::ServerContext context;
  grpc::Status s = service_.ControllerExpandVolume(&context, &request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.capacity_bytes(), 3 * kGiB);
  EXPECT_TRUE(response.node_expansion_required());
}

}  // namespace
}  // namespace byok::controller
