// The tenant boundary over the fakes: who owns a volume or snapshot is in its CSI ID, and only
// the owner acts on it; snapshots are crypto-erased when deleted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/testing/fake_cloud_access.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "controller/testing/controller_fixture.h"

namespace byok::controller {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTenantA[] = "tenant-a";

class TenantBoundaryTest : public ::testing::Test {
 protected:
  TenantBoundaryTest() : cloud_("tenant"), service_(&cloud_, ControllerOptions{}) {
    key_id_ = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'K')));
    cloud_.nova->AddServer(
        {.id = "node-1", .name = "node-1", .status = "ACTIVE", .availability_zone = "nova"});
  }

  // A Secret with the key and, for a tenant, an application credential.
  google::protobuf::Map<std::string, std::string> Secret(const std::string& tenant = "") {
    google::protobuf::Map<std::string, std::string> s;
    s["keyID"] = key_id_;
    if (!tenant.empty()) {
      s["application-credential-id"] = tenant;
      s["application-credential-secret"] = "secret-of-" + tenant;
    }
    return s;
  }
  std::string CreateAs(const std::string& tenant, const std::string& name) {
    ::csi::v1::CreateVolumeRequest r = testing::MountedVolumeRequest(name, "");
    *r.mutable_secrets() = Secret(tenant);
    ::csi::v1::CreateVolumeResponse out;
    grpc::ServerContext context;
    grpc::Status s = service_.CreateVolume(&context, &r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.volume().volume_id();
  }
  grpc::Status Delete(const std::string& id, const std::string& tenant) {
    ::csi::v1::DeleteVolumeRequest r;
    r.set_volume_id(id);
    *r.mutable_secrets() = Secret(tenant);
    ::csi::v1::DeleteVolumeResponse out;
    grpc::ServerContext context;
    return service_.DeleteVolume(&context, &r, &out);
  }
  grpc::Status Publish(const std::string& id, const std::string& tenant) {
    ::csi::v1::ControllerPublishVolumeRequest r;
    r.set_volume_id(id);
    r.set_node_id("node-1");
    r.mutable_volume_capability()->mutable_mount();
    r.mutable_volume_capability()->mutable_access_mode()->set_mode(
        ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    *r.mutable_secrets() = Secret(tenant);
    ::csi::v1::ControllerPublishVolumeResponse out;
    grpc::ServerContext context;
    return service_.ControllerPublishVolume(&context, &r, &out);
  }
  grpc::Status Snapshot(const std::string& volume, const std::string& tenant,
                        ::csi::v1::CreateSnapshotResponse* out) {
    ::csi::v1::CreateSnapshotRequest r;
    r.set_name("snap-1");
    r.set_source_volume_id(volume);
    *r.mutable_secrets() = Secret(tenant);
    grpc::ServerContext context;
    return service_.CreateSnapshot(&context, &r, out);
  }

  cloud::testing::FakeCloudAccess cloud_;
  ControllerService service_;
  std::string key_id_;
};

TEST_F(TenantBoundaryTest, ATenantsVolumeCarriesItsProjectInTheIdAndTheMetadata) {
  std::string id = CreateAs(kTenantA, "pvc-1");
  EXPECT_THAT(id, EndsWith("@project-of-tenant-a"));
  auto volumes = cloud_.cinder->Volumes();
  ASSERT_EQ(volumes.size(), 1u);
  EXPECT_EQ(volumes[0].metadata.at(cloud::kMetaOwnerProject), "project-of-tenant-a");
  EXPECT_EQ(volumes[0].metadata.at(cloud::kMetaCreatedBy), "tenant");
  // The driver's own stay bare Cinder IDs.
  EXPECT_EQ(CreateAs("", "pvc-2").find('@'), std::string::npos);
}

TEST_F(TenantBoundaryTest, OnlyTheOwningTenantMayDeleteAndNotFoundIsNotALie) {
  std::string id = CreateAs(kTenantA, "pvc-1");
  // No credential: the driver may not be able to see the volume, so it must not say "gone".
  grpc::Status s = Delete(id, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("provisioner-secret-name"));
  // Events reach the tenant: the operator's account is not named.
  EXPECT_THAT(s.error_message(), Not(HasSubstr("driver's identity")));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("driver-project")));
  EXPECT_EQ(Delete(id, "tenant-b").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(cloud_.cinder->Volumes().size(), 1u);
  EXPECT_TRUE(Delete(id, kTenantA).ok());
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
  EXPECT_TRUE(Delete(id, kTenantA).ok());  // idempotent
}

TEST_F(TenantBoundaryTest, PublishOfATenantsVolumeNeedsThatTenantsSecret) {
  std::string id = CreateAs(kTenantA, "pvc-1");
  grpc::Status s = Publish(id, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("controller-publish-secret-name"));
  EXPECT_EQ(Publish(id, "tenant-b").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(cloud_.cinder->Volumes()[0].attachments.empty());
  EXPECT_TRUE(Publish(id, kTenantA).ok());
}

TEST_F(TenantBoundaryTest, ExpandOfATenantsVolumeNeedsThatTenantsSecret) {
  std::string id = CreateAs(kTenantA, "pvc-1");
  auto expand = [&](const std::string& tenant) {
    ::csi::v1::ControllerExpandVolumeRequest r;
    r.set_volume_id(id);
    r.mutable_capacity_range()->set_required_bytes(2 * kGiB);
    *r.mutable_secrets() = Secret(tenant);
    ::csi::v1::ControllerExpandVolumeResponse out;
    grpc::ServerContext context;
    return service_.ControllerExpandVolume(&context, &r, &out);
  };
  grpc::Status s = expand("");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("controller-expand-secret-name"));
  EXPECT_EQ(expand("tenant-b").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(cloud_.cinder->Volumes()[0].size_gib, 1);
  EXPECT_TRUE(expand(kTenantA).ok());
  EXPECT_EQ(cloud_.cinder->Volumes()[0].size_gib, 2);
}

TEST_F(TenantBoundaryTest, ADriverVolumeIsHandledAsTheDriverWhateverTheSecretCarries) {
  std::string id = CreateAs("", "pvc-1");
  EXPECT_TRUE(Delete(id, "tenant-b").ok());
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
}

TEST_F(TenantBoundaryTest, SnapshotsOfATenantsVolumeAreTheirsAndCloneOnlyForThem) {
  std::string id = CreateAs(kTenantA, "pvc-1");
  ::csi::v1::CreateSnapshotResponse snap;
  EXPECT_EQ(Snapshot(id, "tenant-b", &snap).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Snapshot(id, kTenantA, &snap).ok());
  EXPECT_THAT(snap.snapshot().snapshot_id(), EndsWith("@project-of-tenant-a"));
  EXPECT_EQ(snap.snapshot().source_volume_id(), id);

  ::csi::v1::CreateVolumeRequest restore;
  restore.set_name("pvc-restored");
  auto* cap = restore.add_volume_capabilities();
  cap->mutable_mount();
  cap->mutable_access_mode()->set_mode(::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  restore.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id(
      snap.snapshot().snapshot_id());
  *restore.mutable_secrets() = Secret("tenant-b");
  ::csi::v1::CreateVolumeResponse out;
  grpc::ServerContext context;
  EXPECT_EQ(service_.CreateVolume(&context, &restore, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(cloud_.cinder->Volumes().size(), 1u);
}

TEST_F(TenantBoundaryTest, DeleteSnapshotErasesItsWrappedKeyFirst) {
  std::string id = CreateAs("", "pvc-1");
  ::csi::v1::CreateSnapshotResponse snap;
  ASSERT_TRUE(Snapshot(id, "", &snap).ok());
  ASSERT_EQ(cloud_.cinder->Snapshots().size(), 1u);
  EXPECT_EQ(cloud_.cinder->Snapshots()[0].metadata.count(envelope::kMetaWrappedDek), 1u);
  cloud_.cinder->calls().FailNext("DeleteSnapshot", absl::UnavailableError("cinder down"));
  ::csi::v1::DeleteSnapshotRequest r;
  r.set_snapshot_id(snap.snapshot().snapshot_id());
  ::csi::v1::DeleteSnapshotResponse out;
  grpc::ServerContext c1;
  EXPECT_FALSE(service_.DeleteSnapshot(&c1, &r, &out).ok());
  // The delete failed, but the key copy is already gone: the snapshot can never be read.
  ASSERT_EQ(cloud_.cinder->Snapshots().size(), 1u);
  EXPECT_EQ(cloud_.cinder->Snapshots()[0].metadata.count(envelope::kMetaWrappedDek), 0u);
  grpc::ServerContext c2;
  EXPECT_TRUE(service_.DeleteSnapshot(&c2, &r, &out).ok());
  EXPECT_TRUE(cloud_.cinder->Snapshots().empty());
}

TEST_F(TenantBoundaryTest, AFailedSnapshotOfAnEarlierAttemptIsReplacedNotAdopted) {
  std::string id = CreateAs("", "pvc-1");
  ::csi::v1::CreateSnapshotResponse snap;
  ASSERT_TRUE(Snapshot(id, "", &snap).ok());
  cloud_.cinder->SetSnapshotStatus(cloud_.cinder->Snapshots()[0].id, "error");
  ::csi::v1::CreateSnapshotResponse retry;
  grpc::Status s = Snapshot(id, "", &retry);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(retry.snapshot().snapshot_id(), snap.snapshot().snapshot_id());
  ASSERT_EQ(cloud_.cinder->Snapshots().size(), 1u);
  EXPECT_EQ(cloud_.cinder->Snapshots()[0].status, "available");
}

TEST_F(TenantBoundaryTest, IdsThatCannotBeOursNeverReachCinder) {
  int before = cloud_.cinder->calls().Total();
  EXPECT_TRUE(Delete("..", "").ok());  // nothing of ours has that ID
  EXPECT_EQ(Publish("../x", "").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(cloud_.cinder->calls().Total(), before);
}

}  // namespace
}  // namespace byok::controller
