// NodeStageVolume / NodeUnstageVolume end to end over the fakes: key first, disk second.
#include "node/stager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloud/key_stats.h"
#include "envelope/key_wrap.h"
#include "node/mapping_name.h"
#include "node/paths.h"
#include "node/testing/node_world.h"

namespace byok::node {
namespace {

using envelope::LuksState;
using testing::Filesystem;
using ::testing::HasSubstr;
using testing::NodeWorld;

class StagerTest : public ::testing::Test {
 protected:
  StagerTest() : limiter_(2), stager_(world_.deps(), &limiter_) {}

  StageParams Params(const NodeWorld::Volume& v, bool block = false) {
    StageParams p;
    p.volume_id = v.id;
    p.staging_path = world_.Path("staging-" + v.name);
    p.access.block = block;
    p.secret.key_id = v.key_id;
    return p;
  }
  absl::Status Stage(const StageParams& p) {
    return stager_.Stage(p, absl::Now() + absl::Seconds(10));
  }
  absl::Status Unstage(const StageParams& p) {
    return stager_.Unstage({p.volume_id, p.staging_path});
  }

  NodeWorld world_;
  UnlockLimiter limiter_;
  Stager stager_;
};

TEST_F(StagerTest, EnvelopeVolumeIsFormattedUnlockedFormattedAndMounted) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_EQ(world_.host().formats(), 1);
  EXPECT_EQ(world_.LuksState(v.id), "formatted");
  auto mount = world_.host().MountAt(p.staging_path);
  ASSERT_TRUE(mount.has_value());
  EXPECT_EQ(mount->source, MapperPath(MappingName(v.id)));
  EXPECT_EQ(mount->fstype, "ext4");
  EXPECT_THAT(world_.host().commands(),
              ::testing::ElementsAre("mkfs.ext4 -q -m0 " + MapperPath(MappingName(v.id))));
}

TEST_F(StagerTest, SecondStageIsIdempotentAndNeverFormatsAgain) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  ASSERT_TRUE(Stage(p).ok());
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_EQ(world_.host().formats(), 1);
  EXPECT_EQ(world_.host().activations(), 1);
  EXPECT_EQ(world_.host().commands().size(), 1u);  // one mkfs
}

TEST_F(StagerTest, UnstageUnmountsClosesAndIsIdempotent) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  ASSERT_TRUE(Stage(p).ok());
  ASSERT_TRUE(Unstage(p).ok());
  EXPECT_FALSE(world_.host().MountAt(p.staging_path).has_value());
  EXPECT_FALSE(world_.host().MappingActive(MappingName(v.id)));
  EXPECT_TRUE(Unstage(p).ok());
  // Restage: the data is still there (no format, no mkfs).
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_EQ(world_.host().formats(), 1);
  EXPECT_EQ(world_.host().commands().size(), 1u);
}

TEST_F(StagerTest, UnstageOfANeverStagedVolumeIsOk) {
  EXPECT_TRUE(stager_.Unstage({"vol-never", world_.Path("nothing")}).ok());
}

TEST_F(StagerTest, WrongKeyNamesTheSecretKeyAndTouchesNothing) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  p.secret.key_id = world_.AddKey();  // another valid tenant key
  absl::Status s = Stage(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("\"keyID\""));
  EXPECT_THAT(s.message(), HasSubstr(v.id));
  EXPECT_THAT(s.message(), HasSubstr("nothing on the disk was touched"));
  EXPECT_EQ(world_.host().formats(), 0);
  EXPECT_EQ(world_.host().DiskAt(v.device).content.kind, ContentKind::kBlank);
  EXPECT_EQ(world_.LuksState(v.id), "pending");
  EXPECT_FALSE(PathExists(p.staging_path));
}

// Revocation: the volume's own key deleted or expired in Barbican. FailedPrecondition naming
// the key, the volume and the Secret key; the disk and the Cinder state stay as they were,
// and the volume stages again once a key it is bound to can be read.
TEST_F(StagerTest, ARevokedKeyIsFailedPreconditionAndTouchesNothing) {
  auto formatted = world_.AddEnvelopeVolume("pvc-f", LuksState::kPending);
  StageParams staged = Params(formatted);
  ASSERT_TRUE(Stage(staged).ok());
  ASSERT_TRUE(Unstage(staged).ok());
  auto fresh = world_.AddEnvelopeVolume("pvc-n", LuksState::kPending);
  world_.cloud().barbican->ExpireSecret(fresh.key_id);
  (void)world_.cloud().barbican->DeleteSecret(openstack::CallOptions(), formatted.key_id);
  const int formats = world_.host().formats();
  const auto before = cloud::KeyStats::Process().Snapshot();
  for (const auto* v : {&formatted, &fresh}) {
    absl::Status s = Stage(Params(*v));
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(s.message(), HasSubstr(v->key_id));
    EXPECT_THAT(s.message(), HasSubstr("volume " + v->id));
    EXPECT_THAT(s.message(), HasSubstr("Secret key keyID")) << s;
    EXPECT_FALSE(world_.host().MountAt(Params(*v).staging_path).has_value());
    EXPECT_FALSE(world_.host().MappingActive(MappingName(v->id)));
  }
  EXPECT_EQ(world_.host().formats(), formats);
  EXPECT_EQ(world_.LuksState(formatted.id), "formatted");
  EXPECT_EQ(world_.LuksState(fresh.id), "pending");
  EXPECT_EQ(world_.host().DiskAt(fresh.device).content.kind, ContentKind::kBlank);
  const int gone = static_cast<int>(cloud::UnlockFailure::kKeyGone);
  EXPECT_EQ(cloud::KeyStats::Process().Snapshot().unlock_failures[gone],
            before.unlock_failures[gone] + 2)
      << "byok_key_unlock_failures_total{reason=\"key_gone\"}";
}

// Access taken away (an ACL removed: the reading identity's project no longer matches) and
// given back: PERMISSION_DENIED naming the key and the volume, nothing touched; then the next
// stage succeeds.
TEST_F(StagerTest, AccessToTheKeyRemovedThenRestoredStagesAgain) {
  auto v = world_.AddEnvelopeVolume("pvc-acl", LuksState::kPending);
  StageParams p = Params(v);
  world_.cloud().barbican->SetCallerProject("another-project");
  absl::Status s = Stage(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_THAT(s.message(), HasSubstr(v.key_id));
  EXPECT_THAT(s.message(), HasSubstr("volume " + v.id));
  EXPECT_EQ(world_.host().formats(), 0);
  EXPECT_EQ(world_.LuksState(v.id), "pending");
  world_.cloud().barbican->SetCallerProject("fake-project");
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_EQ(world_.LuksState(v.id), "formatted");
}

// A tenant who pointed the Secret at a new key before the rotation ran: listing the volume's
// key in previousKeyIDs moves the volume at stage (same data key, no reformat); a list that
// does not hold the volume's key changes nothing.
TEST_F(StagerTest, AStageWithPreviousKeyIdsMovesTheVolumeToTheSecretsKey) {
  auto v = world_.AddEnvelopeVolume("pvc-r", LuksState::kPending);
  const std::string next = world_.AddKey();
  StageParams p = Params(v);
  p.secret.key_id = next;
  p.secret.previous_key_ids = {world_.AddKey()};
  absl::Status s = Stage(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  auto metadata = *world_.cloud().cinder->GetVolumeMetadata(openstack::CallOptions(), v.id);
  EXPECT_EQ(metadata.at(envelope::kMetaKeyId), v.key_id);

  // A snapshot of the volume carries its own copy of the wrapped data key: it moves too.
  openstack::CreateSnapshotRequest snap;
  snap.volume_id = v.id;
  snap.name = "snap-r";
  world_.cloud().cinder->SetVolumeStatus(v.id, "available");
  for (const char* entry : {envelope::kMetaFormat, envelope::kMetaMode, envelope::kMetaKeyId,
                            envelope::kMetaWrappedDek, envelope::kMetaCsiName}) {
    if (metadata.count(entry) != 0) snap.metadata[entry] = metadata.at(entry);
  }
  auto snapshot = world_.cloud().cinder->CreateSnapshot(openstack::CallOptions(), snap);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();

  p.secret.previous_key_ids.push_back(v.key_id);
  ASSERT_TRUE(Stage(p).ok());
  metadata = *world_.cloud().cinder->GetVolumeMetadata(openstack::CallOptions(), v.id);
  EXPECT_EQ(metadata.at(envelope::kMetaKeyId), next);
  EXPECT_EQ(metadata.at(envelope::kMetaPreviousKeyId), v.key_id);
  auto snapshot_metadata =
      *world_.cloud().cinder->GetSnapshotMetadata(openstack::CallOptions(), snapshot->id);
  EXPECT_EQ(snapshot_metadata.at(envelope::kMetaKeyId), next);
  EXPECT_NE(snapshot_metadata.at(envelope::kMetaWrappedDek),
            snap.metadata[envelope::kMetaWrappedDek]);
  SecureBytes next_kek = *world_.cloud().barbican->GetPayload(openstack::CallOptions(), next);
  auto dek = envelope::UnwrapDek(next_kek, snapshot_metadata.at(envelope::kMetaWrappedDek),
                                 {"pvc-r", next});
  ASSERT_TRUE(dek.ok()) << dek.status();
  EXPECT_TRUE(dek->ConstantTimeEquals(v.dek))
      << "the snapshot opens to the volume's data key under the new key";
  ASSERT_TRUE(Unstage(p).ok());
  p.secret.previous_key_ids.clear();
  ASSERT_TRUE(Stage(p).ok()) << "the new key alone opens it now";
  EXPECT_EQ(world_.host().formats(), 1);
  p.secret.key_id = v.key_id;
  ASSERT_TRUE(Unstage(p).ok());
  EXPECT_EQ(Stage(p).code(), absl::StatusCode::kPermissionDenied) << "the old key no longer";
}

TEST_F(StagerTest, ASnapshotThatCannotMoveAtStageDoesNotFailTheStage) {
  // The volume has moved when its snapshots are listed: the stage opens it, and the snapshots
  // are left for ControllerModifyVolume (a retried stage would not look at them again).
  auto v = world_.AddEnvelopeVolume("pvc-s", LuksState::kPending);
  const std::string next = world_.AddKey();
  StageParams p = Params(v);
  p.secret.key_id = next;
  p.secret.previous_key_ids = {v.key_id};
  world_.cloud().cinder->calls().FailNext("ListSnapshots",
                                          absl::UnavailableError("cinder is busy"));
  ASSERT_TRUE(Stage(p).ok());
  auto metadata = *world_.cloud().cinder->GetVolumeMetadata(openstack::CallOptions(), v.id);
  EXPECT_EQ(metadata.at(envelope::kMetaKeyId), next);
  EXPECT_TRUE(world_.host().MappingActive(MappingName(v.id)));
}

TEST_F(StagerTest, ASecretNamingAnotherKeyIsRefusedBeforeTheKeyIsFetched) {
  // envelope and cinder mode alike: the Secret must name the key the volume is bound to.
  auto envelope_volume = world_.AddEnvelopeVolume("pvc-e", LuksState::kPending);
  auto cinder_volume = world_.AddCinderModeVolume("pvc-c");
  for (const auto* v : {&envelope_volume, &cinder_volume}) {
    StageParams p = Params(*v);
    p.secret.key_id = world_.AddKey();
    int before = world_.cloud().barbican->calls().Total();
    absl::Status s = Stage(p);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << v->name;
    EXPECT_THAT(s.message(), HasSubstr(v->key_id));
    EXPECT_THAT(s.message(), HasSubstr(p.secret.key_id));
    EXPECT_EQ(world_.cloud().barbican->calls().Total(), before) << v->name;
  }
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(StagerTest, ARenamedVolumeStillOpens) {
  // The DEK is bound to the CSI name the controller recorded, not to Cinder's display name.
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending, {}, testing::kGiB,
                                    "renamed-by-an-operator");
  EXPECT_TRUE(Stage(Params(v)).ok());
}

TEST_F(StagerTest, ATenantsVolumeIsStagedOnlyWithThatTenantsCredential) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  p.owner_project = "project-of-tenant-a";
  absl::Status s = Stage(p);  // no credential in the Secret
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("node-stage-secret-name"));
  p.secret.credential.emplace();
  p.secret.credential->application_credential_id = "tenant-b";
  EXPECT_EQ(Stage(p).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(world_.host().formats(), 0);
  p.secret.credential->application_credential_id = "tenant-a";
  EXPECT_TRUE(Stage(p).ok());
}

TEST_F(StagerTest, MissingKeyIdIsInvalidArgumentNamingIt) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  p.secret = {};
  absl::Status s = Stage(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("keyID"));
}

TEST_F(StagerTest, DescriptorComesFromCinderNotVolumeContext) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  p.volume_context[envelope::kMetaMode] = "none";  // a stale or forged hint
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_EQ(world_.host().formats(), 1);  // encrypted regardless
}

TEST_F(StagerTest, UnknownVolumeIsNotFound) {
  NodeWorld::Volume ghost;
  ghost.id = "no-such-volume";
  ghost.name = "ghost";
  EXPECT_EQ(Stage(Params(ghost)).code(), absl::StatusCode::kNotFound);
}

TEST_F(StagerTest, BadSecretsFailBeforeTheDisk) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  world_.cloud().for_secret_error = absl::InvalidArgumentError("Secret key auth-url is bad");
  EXPECT_EQ(Stage(Params(v)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(StagerTest, PlainVolumeGetsAFilesystemOnTheRawDisk) {
  auto v = world_.AddPlainVolume("pvc-plain");
  StageParams p = Params(v);
  p.access.fs_type = "xfs";
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_THAT(world_.host().commands(), ::testing::ElementsAre("mkfs.xfs -q " + v.device));
  EXPECT_EQ(world_.host().MountAt(p.staging_path)->source, v.device);
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(StagerTest, ExistingFilesystemOfAnotherTypeIsNotReformatted) {
  auto v = world_.AddPlainVolume("pvc-plain", Filesystem("xfs"));
  StageParams p = Params(v);
  p.access.fs_type = "ext4";
  EXPECT_EQ(Stage(p).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(world_.host().commands().empty());
  EXPECT_EQ(world_.host().DiskAt(v.device).content.type, "xfs");
}

TEST_F(StagerTest, LuksHeaderOnAPlainVolumeIsNotAFilesystem) {
  auto v = world_.AddPlainVolume("pvc-plain");
  ASSERT_TRUE(world_.host().crypt().FormatLuks2(v.device, *envelope::GenerateDek(), "x").ok());
  EXPECT_EQ(Stage(Params(v)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(world_.host().commands().empty());
}

TEST_F(StagerTest, ExistingFilesystemIsMountedAsIs) {
  auto v = world_.AddPlainVolume("pvc-plain", Filesystem("xfs"));
  StageParams p = Params(v);
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_TRUE(world_.host().commands().empty());
  EXPECT_EQ(world_.host().MountAt(p.staging_path)->fstype, "xfs");
}

TEST_F(StagerTest, ReadOnlyAccessMountsReadOnly) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  p.access.readonly = true;
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_TRUE(world_.host().MountAt(p.staging_path)->readonly);
}

TEST_F(StagerTest, StagingPathHoldingAnotherDeviceIsAlreadyExists) {
  auto a = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  auto b = world_.AddPlainVolume("pvc-b", Filesystem("ext4"));
  StageParams pa = Params(a);
  ASSERT_TRUE(Stage(pa).ok());
  StageParams pb = Params(b);
  pb.staging_path = pa.staging_path;
  EXPECT_EQ(Stage(pb).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(StagerTest, BlockModeBindsTheMappingInsideTheStagingDir) {
  auto v = world_.AddEnvelopeVolume("pvc-blk", LuksState::kPending);
  StageParams p = Params(v, /*block=*/true);
  ASSERT_TRUE(Stage(p).ok());
  EXPECT_TRUE(world_.host().commands().empty());  // no filesystem in block mode
  std::string file = BlockStagingFile(p.staging_path);
  ASSERT_TRUE(world_.host().MountAt(file).has_value());
  auto devno = world_.host().probe().DeviceNumber(file);
  ASSERT_TRUE(devno.ok());
  EXPECT_EQ(*devno, *world_.host().probe().DeviceNumber(MapperPath(MappingName(v.id))));
  ASSERT_TRUE(Stage(p).ok());  // idempotent
  ASSERT_TRUE(Unstage(p).ok());
  EXPECT_FALSE(PathExists(file));
  EXPECT_FALSE(world_.host().MappingActive(MappingName(v.id)));
}

TEST_F(StagerTest, UnstageOfAMappingStillInUseFails) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  ASSERT_TRUE(Stage(p).ok());
  // A publish bind mount left behind.
  std::string target = world_.Path("pod-target");
  ASSERT_TRUE(EnsureDirectory(target).ok());
  ASSERT_TRUE(world_.host().mounter().BindMount(p.staging_path, target, false, {}).ok());
  absl::Status s = Unstage(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("still published"));
  EXPECT_TRUE(world_.host().MappingActive(MappingName(v.id)));
}

TEST_F(StagerTest, StaleMappingFromADetachedDiskIsRepaired) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  StageParams p = Params(v);
  ASSERT_TRUE(Stage(p).ok());
  ASSERT_TRUE(Unstage(p).ok());
  // The plugin restarted after a reattach: an old mapping points at a vanished disk.
  std::string old_disk = world_.host().AddDisk("old-attachment", testing::kGiB);
  world_.host().AddMapping(MappingName(v.id), old_disk);
  world_.host().Detach(old_disk);
  ASSERT_TRUE(Stage(p).ok());
  auto status = world_.host().crypt().GetMapping(MappingName(v.id));
  EXPECT_EQ(status->backing_device, v.device);
  EXPECT_EQ(world_.host().formats(), 1);
}

TEST_F(StagerTest, MissingDiskIsNotFound) {
  auto v = world_.AddEnvelopeVolume("pvc-a", LuksState::kPending);
  world_.host().Detach(v.device);
  EXPECT_EQ(Stage(Params(v)).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace byok::node
