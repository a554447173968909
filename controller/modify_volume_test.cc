// ControllerModifyVolume on the in-memory cloud: key rotation of an envelope volume and its
// snapshots, a crash at each metadata write of the re-wrap (the retry finishes it, and one of
// the two keys opens the volume throughout), and the refusals.
#include <gtest/gtest.h>

#include <memory>

#include "common/strings.h"
#include "controller/parameters.h"
#include "controller/testing/controller_fixture.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"

namespace byok::controller {
namespace {

using Metadata = std::map<std::string, std::string>;

// A Cinder whose metadata writes fail from the `crash_at`-th on (counting from 0), as if the
// controller had died just before it: what earlier writes did stays, nothing later happens.
class CrashingCinder : public openstack::testing::FakeCinder {
 public:
  int crash_at = -1;  // -1: never
  int writes = 0;

  absl::StatusOr<Metadata> UpdateVolumeMetadata(const openstack::CallOptions& o,
                                                const std::string& id, const Metadata& m) override {
    if (absl::Status s = Write(); !s.ok()) return s;
    return FakeCinder::UpdateVolumeMetadata(o, id, m);
  }
  absl::Status DeleteVolumeMetadataKey(const openstack::CallOptions& o, const std::string& id,
                                       const std::string& key) override {
    if (absl::Status s = Write(); !s.ok()) return s;
    return FakeCinder::DeleteVolumeMetadataKey(o, id, key);
  }
  absl::StatusOr<Metadata> UpdateSnapshotMetadata(const openstack::CallOptions& o,
                                                  const std::string& id,
                                                  const Metadata& m) override {
    if (absl::Status s = Write(); !s.ok()) return s;
    return FakeCinder::UpdateSnapshotMetadata(o, id, m);
  }
  absl::Status DeleteSnapshotMetadataKey(const openstack::CallOptions& o, const std::string& id,
                                         const std::string& key) override {
    if (absl::Status s = Write(); !s.ok()) return s;
    return FakeCinder::DeleteSnapshotMetadataKey(o, id, key);
  }

 private:
  absl::Status Write() {
    if (crash_at >= 0 && writes++ >= crash_at) return absl::UnavailableError("injected crash");
    return absl::OkStatus();
  }
};

class ModifyVolumeTest : public testing::ControllerFixture {
 protected:
  ModifyVolumeTest() : crashing_(std::make_shared<CrashingCinder>()) {
    cloud_.cinder = crashing_;
    new_key_id_ = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'N')));
  }

  std::string CreateVolume(const std::string& name) {
    ::csi::v1::CreateVolumeResponse created;
    EXPECT_TRUE(Create(Request(name), &created).ok());
    return created.volume().volume_id();
  }
  std::string Snapshot(const std::string& volume_id, const std::string& name) {
    ::csi::v1::CreateSnapshotRequest r;
    r.set_name(name);
    r.set_source_volume_id(volume_id);
    ::csi::v1::CreateSnapshotResponse out;
    grpc::ServerContext context;
    EXPECT_TRUE(service_.CreateSnapshot(&context, &r, &out).ok());
    return out.snapshot().snapshot_id();
  }
  grpc::Status Modify(const std::string& volume_id, const std::string& key_id,
                      Metadata parameters = {{kParamKeyRotation, "2026-12"}}) {
    ::csi::v1::ControllerModifyVolumeRequest r;
    r.set_volume_id(volume_id);
    if (!key_id.empty()) (*r.mutable_secrets())["keyID"] = key_id;
    r.mutable_mutable_parameters()->insert(parameters.begin(), parameters.end());
    ::csi::v1::ControllerModifyVolumeResponse out;
    grpc::ServerContext context;
    return service_.ControllerModifyVolume(&context, &r, &out);
  }
  Metadata VolumeMetadata(const std::string& id) {
    return *crashing_->GetVolumeMetadata(openstack::CallOptions(), id);
  }
  Metadata SnapshotMetadata(const std::string& id) {
    return *crashing_->GetSnapshotMetadata(openstack::CallOptions(), id);
  }
  // The data key `metadata` records, opened with the key it names (bytes from the fake).
  absl::StatusOr<SecureBytes> OpenDek(const Metadata& metadata, const std::string& wrap_name) {
    auto descriptor = envelope::FromMetadata(metadata);
    if (!descriptor.ok()) return descriptor.status();
    auto kek = cloud_.barbican->GetPayload(openstack::CallOptions(), descriptor->key_id);
    if (!kek.ok()) return kek.status();
    return envelope::UnwrapDek(*kek, descriptor->wrapped_dek, {wrap_name, descriptor->key_id});
  }
  void ExpectRotated(const Metadata& metadata, const std::string& wrap_name,
                     const SecureBytes& dek) {
    EXPECT_EQ(metadata.at(envelope::kMetaKeyId), new_key_id_);
    EXPECT_EQ(metadata.at(envelope::kMetaPreviousKeyId), key_id_);
    EXPECT_EQ(metadata.count(envelope::kMetaNextKeyId), 0u);
    EXPECT_EQ(metadata.count(envelope::kMetaNextWrappedDek), 0u);
    auto opened = OpenDek(metadata, wrap_name);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_TRUE(opened->ConstantTimeEquals(dek)) << "the same data key, wrapped anew";
  }

  std::shared_ptr<CrashingCinder> crashing_;
  std::string new_key_id_;
};

TEST_F(ModifyVolumeTest, RewrapsTheVolumeAndItsSnapshotsUnderTheSecretsKey) {
  const std::string id = CreateVolume("pvc-rotate");
  const std::string snap = Snapshot(id, "snap-rotate");
  auto dek = OpenDek(VolumeMetadata(id), "pvc-rotate");
  ASSERT_TRUE(dek.ok()) << dek.status();
  const std::string luks = VolumeMetadata(id).at(envelope::kMetaLuks);

  grpc::Status s = Modify(id, new_key_id_);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectRotated(VolumeMetadata(id), "pvc-rotate", *dek);
  ExpectRotated(SnapshotMetadata(snap), "pvc-rotate", *dek);
  EXPECT_EQ(VolumeMetadata(id).at(envelope::kMetaLuks), luks) << "no data or header change";

  // Done is done: a repeat changes nothing, and the old key is no longer needed.
  (void)cloud_.barbican->DeleteSecret(openstack::CallOptions(), key_id_);
  const int writes = crashing_->writes;
  s = Modify(id, new_key_id_);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(crashing_->writes, writes);
}

// The writes of a re-wrap, four per holder of a wrapped key: stage, commit, and the two
// staged entries removed; 0-3 are the volume's, 4-7 its snapshot's.
TEST_F(ModifyVolumeTest, ACrashAtEachWriteLeavesOpenableCopiesAndTheRetryFinishes) {
  for (int crash_at = 0; crash_at < 8; ++crash_at) {
    SCOPED_TRACE(StrCat("crash before write ", crash_at));
    const std::string name = StrCat("pvc-crash-", crash_at);
    crashing_->crash_at = -1;
    const std::string id = CreateVolume(name);
    const std::string snap = Snapshot(id, name + "-snap");
    auto dek = OpenDek(VolumeMetadata(id), name);
    ASSERT_TRUE(dek.ok()) << dek.status();

    crashing_->writes = 0;
    crashing_->crash_at = crash_at;
    grpc::Status s = Modify(id, new_key_id_);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    for (const Metadata& holder : {VolumeMetadata(id), SnapshotMetadata(snap)}) {
      auto opened = OpenDek(holder, name);
      ASSERT_TRUE(opened.ok()) << "the key a copy names must open it: " << opened.status();
      EXPECT_TRUE(opened->ConstantTimeEquals(*dek));
    }

    crashing_->crash_at = -1;
    s = Modify(id, new_key_id_);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ExpectRotated(VolumeMetadata(id), name, *dek);
    ExpectRotated(SnapshotMetadata(snap), name, *dek);
  }
}

// The staged entries are tenant-writable metadata: a wrapping planted there (a valid one, of
// another data key, under the new key) must never be what gets committed.
TEST_F(ModifyVolumeTest, PlantedStagedEntriesAreReplacedByAVerifiedWrapping) {
  const std::string id = CreateVolume("pvc-planted");
  auto dek = OpenDek(VolumeMetadata(id), "pvc-planted");
  ASSERT_TRUE(dek.ok()) << dek.status();
  auto new_kek = cloud_.barbican->GetPayload(openstack::CallOptions(), new_key_id_);
  auto other = envelope::GenerateDek();
  ASSERT_TRUE(new_kek.ok() && other.ok());
  auto planted = envelope::WrapDek(*new_kek, *other, {"pvc-planted", new_key_id_});
  ASSERT_TRUE(planted.ok());
  ASSERT_TRUE(crashing_
                  ->UpdateVolumeMetadata(openstack::CallOptions(), id,
                                         {{envelope::kMetaNextKeyId, new_key_id_},
                                          {envelope::kMetaNextWrappedDek, *planted}})
                  .ok());

  grpc::Status s = Modify(id, new_key_id_);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectRotated(VolumeMetadata(id), "pvc-planted", *dek);
}

TEST_F(ModifyVolumeTest, RefusesWhatItCannotDoBeforeTouchingTheVolume) {
  const std::string id = CreateVolume("pvc-refuse");
  const Metadata before = VolumeMetadata(id);

  grpc::Status s = Modify(id, new_key_id_, {{"iops", "1000"}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("\"iops\""), std::string::npos) << s.error_message();
  s = Modify(id, new_key_id_, {{kParamKeyRotation, ""}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  s = Modify(id, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("keyID"), std::string::npos) << s.error_message();
  EXPECT_NE(s.error_message().find("controller-modify-secret-name"), std::string::npos);
  s = Modify(id, "0b3a3b38-59f9-4a5b-9d7e-6a4d1f3c2b1a");  // no such key
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  s = Modify("no-such-volume", new_key_id_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();

  // The old key is gone (revoked): rotation cannot read the data key, and names that key.
  (void)cloud_.barbican->DeleteSecret(openstack::CallOptions(), key_id_);
  s = Modify(id, new_key_id_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_NE(s.error_message().find(key_id_), std::string::npos) << s.error_message();
  EXPECT_EQ(VolumeMetadata(id), before);
}

TEST_F(ModifyVolumeTest, PlainAndCinderModeVolumesSayWhyTheirKeyCannotRotate) {
  openstack::Volume plain;
  plain.name = "plain";
  plain.status = "available";
  const std::string plain_id = crashing_->InsertVolume(plain);
  grpc::Status s = Modify(plain_id, new_key_id_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("not encrypted"), std::string::npos) << s.error_message();

  openstack::Volume cinder_mode;
  cinder_mode.name = "cinder-mode";
  cinder_mode.status = "available";
  cinder_mode.metadata = envelope::ToMetadata({envelope::Mode::kCinder, key_id_});
  const std::string cinder_id = crashing_->InsertVolume(cinder_mode);
  s = Modify(cinder_id, new_key_id_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("encryption=envelope"), std::string::npos) << s.error_message();
  EXPECT_TRUE(Modify(cinder_id, key_id_).ok()) << "already under the Secret's key";
}

}  // namespace
}  // namespace byok::controller
