// The never-destroy-data rules, one case per row of DevicePreparer's table.
#include "node/device_preparer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/log.h"
#include "node/mapping_name.h"
#include "node/testing/node_world.h"

namespace byok::node {
namespace {

using envelope::LuksState;
using testing::Blank;
using testing::Filesystem;
using ::testing::HasSubstr;
using testing::NodeWorld;
using testing::PartitionTable;

class DevicePreparerTest : public ::testing::Test {
 protected:
  DevicePreparerTest()
      : limiter_(2),
        unlocker_(&world_.host().crypt(), &limiter_),
        preparer_(&world_.host().crypt(), &world_.host().probe(), &unlocker_) {}

  // What ResolveVolumeKey would return for `v`.
  VolumeKey KeyFor(const NodeWorld::Volume& v) {
    VolumeKey key;
    key.volume_id = v.id;
    key.wrap_name = v.name;
    auto volume = world_.cloud().cinder->GetVolume({}, v.id);
    key.descriptor = *envelope::FromMetadata(volume->metadata);
    key.secret_key_id = v.key_id;
    key.passphrase = v.dek.Clone();
    key.clients = *world_.cloud().ForDriver(absl::InfiniteFuture());
    return key;
  }

  absl::StatusOr<std::string> Prepare(const NodeWorld::Volume& v) {
    return preparer_.Prepare(KeyFor(v), v.device, absl::Now() + absl::Seconds(5));
  }

  NodeWorld world_;
  UnlockLimiter limiter_;
  Unlocker unlocker_;
  DevicePreparer preparer_;
};

TEST_F(DevicePreparerTest, BlankAndPendingIsFormattedOnceThenRecordedAndOpened) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending);
  auto mapped = Prepare(v);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(*mapped, MapperPath(MappingName(v.id)));
  EXPECT_EQ(world_.host().formats(), 1);
  EXPECT_EQ(world_.LuksState(v.id), "formatted");
  EXPECT_TRUE(world_.host().MappingActive(MappingName(v.id)));
  // The DEK is the passphrase.
  EXPECT_TRUE(world_.host().DiskAt(v.device).passphrase.ConstantTimeEquals(v.dek));
}

TEST_F(DevicePreparerTest, LuksHeaderWithStatePendingIsOpenedNotReformatted) {
  // A crash between the format and the Cinder update: header on disk, state still pending.
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending);
  ASSERT_TRUE(world_.host().crypt().FormatLuks2(v.device, v.dek, v.id).ok());
  int generation = world_.host().DiskAt(v.device).luks_generation;
  auto mapped = Prepare(v);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(world_.host().DiskAt(v.device).luks_generation, generation);
  EXPECT_EQ(world_.host().formats(), 1);  // only ours above
  EXPECT_EQ(world_.LuksState(v.id), "formatted");
}

// A crash between writing the LUKS2 header and adding its keyslot: no passphrase opens that
// header, so nothing can have been written through it. It is formatted again, not refused.
TEST_F(DevicePreparerTest, KeyslotlessHeaderWithStatePendingIsReformatted) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending);
  world_.host().FailNext("AddKeyslot", absl::InternalError("killed mid-format"));
  ASSERT_FALSE(world_.host().crypt().FormatLuks2(v.device, v.dek, v.id).ok());
  ASSERT_EQ(world_.host().DiskAt(v.device).keyslots, 0);
  std::vector<std::string> lines;
  log::SetSinkForTest([&](std::string_view line) { lines.emplace_back(line); });
  auto mapped = Prepare(v);
  log::SetSinkForTest(nullptr);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(*mapped, MapperPath(MappingName(v.id)));
  EXPECT_EQ(world_.host().formats(), 2);
  EXPECT_EQ(world_.host().DiskAt(v.device).keyslots, 1);
  EXPECT_TRUE(world_.host().DiskAt(v.device).passphrase.ConstantTimeEquals(v.dek));
  EXPECT_EQ(world_.LuksState(v.id), "formatted");
  EXPECT_TRUE(world_.host().MappingActive(MappingName(v.id)));
  EXPECT_THAT(lines, ::testing::Contains(
                         ::testing::AllOf(::testing::StartsWith("W"), HasSubstr("no keyslot"))));
}

// Only a pending state proves the header is the driver's own unfinished format.
TEST_F(DevicePreparerTest, KeyslotlessHeaderWithStateFormattedIsNeverReformatted) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kFormatted);
  world_.host().FailNext("AddKeyslot", absl::InternalError("keyslot lost"));
  ASSERT_FALSE(world_.host().crypt().FormatLuks2(v.device, v.dek, v.id).ok());
  int generation = world_.host().DiskAt(v.device).luks_generation;
  EXPECT_FALSE(Prepare(v).ok());
  EXPECT_EQ(world_.host().formats(), 1);
  EXPECT_EQ(world_.host().DiskAt(v.device).luks_generation, generation);
}

TEST_F(DevicePreparerTest, KeyslotCountErrorNeverReadsAsZero) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending);
  world_.host().FailNext("AddKeyslot", absl::InternalError("killed mid-format"));
  ASSERT_FALSE(world_.host().crypt().FormatLuks2(v.device, v.dek, v.id).ok());
  world_.host().FailNext("Keyslots", absl::UnavailableError("I/O error"));
  EXPECT_EQ(Prepare(v).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(world_.host().formats(), 1);
}

TEST_F(DevicePreparerTest, LuksHeaderWithStateFormattedIsOpenedWithoutCinderWrites) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kFormatted);
  ASSERT_TRUE(world_.host().crypt().FormatLuks2(v.device, v.dek, v.id).ok());
  world_.cloud().cinder->calls().Reset();
  ASSERT_TRUE(Prepare(v).ok());
  EXPECT_EQ(world_.cloud().cinder->calls().Count("UpdateVolumeMetadata"), 0);
  EXPECT_EQ(world_.host().formats(), 1);
}

TEST_F(DevicePreparerTest, BlankButFormattedIsRefusedNeverReformatted) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kFormatted);
  auto mapped = Prepare(v);
  EXPECT_EQ(mapped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(mapped.status().message(), HasSubstr("refusing to format it again"));
  EXPECT_EQ(world_.host().formats(), 0);
  EXPECT_FALSE(world_.host().MappingActive(MappingName(v.id)));
}

TEST_F(DevicePreparerTest, FilesystemWithStatePendingIsRefusedAndUntouched) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending, Filesystem("ext4"));
  auto mapped = Prepare(v);
  EXPECT_EQ(mapped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(mapped.status().message(), HasSubstr("an ext4 filesystem"));
  EXPECT_THAT(mapped.status().message(), HasSubstr("not touched"));
  EXPECT_EQ(world_.host().formats(), 0);
  EXPECT_EQ(world_.host().DiskAt(v.device).content.type, "ext4");
  EXPECT_EQ(world_.LuksState(v.id), "pending");
}

TEST_F(DevicePreparerTest, PartitionTableWithStatePendingIsRefused) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending, PartitionTable("gpt"));
  EXPECT_EQ(Prepare(v).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(DevicePreparerTest, ProbeErrorNeverReadsAsBlank) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending);
  world_.host().FailNext("Probe", absl::UnavailableError("I/O error"));
  EXPECT_EQ(Prepare(v).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(DevicePreparerTest, HeaderOfAnotherVolumeIsRefusedUntouched) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kFormatted);
  SecureBytes other = *envelope::GenerateDek();
  ASSERT_TRUE(world_.host().crypt().FormatLuks2(v.device, other, "other").ok());
  auto mapped = Prepare(v);
  EXPECT_EQ(mapped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(mapped.status().message(), HasSubstr("another volume"));
  EXPECT_EQ(world_.host().formats(), 1);
}

TEST_F(DevicePreparerTest, FailedStateUpdateAfterFormatOpensWithoutReformatOnRetry) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending);
  world_.cloud().cinder->calls().FailNext("UpdateVolumeMetadata",
                                          absl::UnavailableError("cinder down"));
  auto first = Prepare(v);
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(first.status().message(), HasSubstr("opened, not formatted, on retry"));
  EXPECT_EQ(world_.LuksState(v.id), "pending");
  auto second = Prepare(v);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(world_.host().formats(), 1);
  EXPECT_EQ(world_.LuksState(v.id), "formatted");
}

TEST_F(DevicePreparerTest, TooSmallDeviceIsNotFormatted) {
  auto v = world_.AddEnvelopeVolume("pvc-1", LuksState::kPending, Blank(), 8 << 20);
  EXPECT_EQ(Prepare(v).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(DevicePreparerTest, PlainVolumeIsUsedAsIs) {
  auto v = world_.AddPlainVolume("pvc-1", Filesystem("ext4"));
  VolumeKey key;
  key.volume_id = v.id;
  auto device = preparer_.Prepare(key, v.device, absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(*device, v.device);
}

class CinderModeTest : public DevicePreparerTest {
 protected:
  VolumeKey CinderKey(const std::string& volume_id, const SecureBytes& tenant_key) {
    VolumeKey key;
    key.volume_id = volume_id;
    key.descriptor.mode = envelope::Mode::kCinder;
    key.descriptor.key_id = "tenant-key";
    key.secret_key_id = "tenant-key";
    key.passphrase = tenant_key.ToLowerHex();
    key.clients = *world_.cloud().ForDriver(absl::InfiniteFuture());
    return key;
  }
};

TEST_F(CinderModeTest, OsBrickLuks1HeaderOpensWithTheHexPassphrase) {
  SecureBytes tenant_key = *envelope::GenerateDek();
  openstack::Volume cv;
  std::string id = world_.cloud().cinder->InsertVolume(cv);
  std::string device = world_.host().AddLuksDisk(id, testing::kGiB, testing::LuksVersion::kLuks1,
                                                 tenant_key.ToLowerHex(), Filesystem("xfs"));
  auto mapped =
      preparer_.Prepare(CinderKey(id, tenant_key), device, absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ(*mapped, MapperPath(MappingName(id)));
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(CinderModeTest, RawKeyBytesAreNotThePassphrase) {
  SecureBytes tenant_key = *envelope::GenerateDek();
  std::string id = world_.cloud().cinder->InsertVolume({});
  std::string device =
      world_.host().AddLuksDisk(id, testing::kGiB, testing::LuksVersion::kLuks1, tenant_key);
  auto mapped =
      preparer_.Prepare(CinderKey(id, tenant_key), device, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(mapped.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(mapped.status().message(), HasSubstr("keyID"));
}

TEST_F(CinderModeTest, NoHeaderOnFrontEndEncryptedTypeIsUsedAsIs) {
  world_.cloud().cinder->AddVolumeType({"t1", "luks", "", true, {}},
                                       {"t1", "luks", "aes-xts-plain64", 256, "front-end"});
  openstack::Volume cv;
  cv.volume_type = "luks";
  cv.encryption_key_id = "cinder-clone-of-key";
  std::string id = world_.cloud().cinder->InsertVolume(cv);
  std::string device = world_.host().AddDisk(id, testing::kGiB);
  auto used = preparer_.Prepare(CinderKey(id, *envelope::GenerateDek()), device,
                                absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(used.ok()) << used.status();
  EXPECT_EQ(*used, device);
  EXPECT_EQ(world_.host().formats(), 0);
}

TEST_F(CinderModeTest, NoHeaderOnUnencryptedTypeIsRefused) {
  std::string id = world_.cloud().cinder->InsertVolume({});
  std::string device = world_.host().AddDisk(id, testing::kGiB, Filesystem("ext4"));
  auto used = preparer_.Prepare(CinderKey(id, *envelope::GenerateDek()), device,
                                absl::Now() + absl::Seconds(5));
  EXPECT_EQ(used.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(world_.host().formats(), 0);
}

}  // namespace
}  // namespace byok::node
