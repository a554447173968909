#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/errors.h"
#include "openstack/testing/fake_barbican.h"
#include "openstack/testing/fake_cinder.h"
#include "openstack/testing/fake_nova.h"

namespace byok::openstack::testing {
namespace {

using ::testing::HasSubstr;

class FakesTest : public ::testing::Test {
 protected:
  FakesTest() : nova_(&cinder_) {
    VolumeType plain;
    plain.id = "t-plain";
    plain.name = "plain";
    cinder_.AddVolumeType(plain);
    VolumeType luks;
    luks.id = "t-luks";
    luks.name = "luks";
    VolumeTypeEncryption encryption;
    encryption.provider = "luks";
    encryption.cipher = "aes-xts-plain64";
    encryption.key_size = 256;
    encryption.control_location = "front-end";
    cinder_.AddVolumeType(luks, encryption);
    Server server;
    server.id = "srv-1";
    server.name = "node-1";
    nova_.AddServer(server);
  }
  FakeCinder cinder_;
  FakeNova nova_;
};

TEST_F(FakesTest, VolumeLifecycle) {
  CreateVolumeRequest r;
  r.name = "pvc-1";
  r.size_gib = 1;
  r.volume_type = "luks";
  r.metadata = {{"cluster", "k8s"}};
  absl::StatusOr<Volume> v = cinder_.CreateVolume({}, r);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->status, "available");
  EXPECT_TRUE(v->encrypted);
  EXPECT_FALSE(v->encryption_key_id.empty());
  auto enc = cinder_.GetVolumeEncryption({}, v->id);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->provider, "luks");
  EXPECT_EQ(enc->key_size, 256);

  ASSERT_TRUE(cinder_.UpdateVolumeMetadata({}, v->id, {{"pv", "x"}}).ok());
  EXPECT_EQ(cinder_.GetVolumeMetadata({}, v->id)->size(), 2u);
  ASSERT_TRUE(cinder_.DeleteVolumeMetadataKey({}, v->id, "pv").ok());
  EXPECT_TRUE(absl::IsNotFound(cinder_.DeleteVolumeMetadataKey({}, v->id, "pv")));

  ASSERT_TRUE(cinder_.ExtendVolume({}, v->id, 2).ok());
  EXPECT_EQ(cinder_.ExtendVolume({}, v->id, 2).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(cinder_.DeleteVolume({}, v->id).ok());
  absl::Status gone = cinder_.GetVolume({}, v->id).status();
  EXPECT_TRUE(absl::IsNotFound(gone));
  EXPECT_EQ(HttpStatusOf(gone), 404);
  EXPECT_EQ(cinder_.calls().Count("CreateVolume"), 1);
}

TEST_F(FakesTest, CinderRulesTheDriverDependsOn) {
  CreateVolumeRequest r;
  r.size_gib = 1;
  r.encryption_key_id = "k";
  CallOptions old;
  old.microversion = "3.50";
  EXPECT_EQ(cinder_.CreateVolume(old, r).status().code(), absl::StatusCode::kFailedPrecondition);
  r.encryption_key_id.clear();
  r.volume_type = "gold";
  EXPECT_TRUE(absl::IsNotFound(cinder_.CreateVolume({}, r).status()));
  CallOptions too_new;
  too_new.microversion = "3.99";
  EXPECT_EQ(cinder_.GetApiVersion({})->max_version, "3.70");
  r.volume_type.clear();
  EXPECT_EQ(cinder_.CreateVolume(too_new, r).status().code(), absl::StatusCode::kUnimplemented);

  cinder_.SetLimits(1, 10, 1);
  ASSERT_TRUE(cinder_.CreateVolume({}, r).ok());
  absl::Status quota = cinder_.CreateVolume({}, r).status();
  EXPECT_TRUE(IsQuotaExceeded(quota));
  EXPECT_THAT(std::string(quota.message()), HasSubstr("VolumeLimitExceeded"));
  EXPECT_EQ(cinder_.GetLimits({})->total_volumes_used, 1);
}

TEST_F(FakesTest, InjectedFailuresAndPaging) {
  cinder_.calls().FailNext("GetVolume", FakeHttpError("cinder", "get volume", 503, "busy"));
  std::string id;
  for (const char* name : {"a", "b", "c"}) {
    Volume v;
    v.name = name;
    v.status = "available";
    v.size_gib = 1;
    std::string inserted = cinder_.InsertVolume(v);
    if (id.empty()) id = inserted;
  }
  EXPECT_EQ(cinder_.GetVolume({}, id).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(cinder_.GetVolume({}, id).ok());
  ListRequest page;
  page.limit = 2;
  auto p1 = cinder_.ListVolumes({}, page);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->volumes.size(), 2u);
  ASSERT_FALSE(p1->next_marker.empty());
  page.marker = p1->next_marker;
  auto p2 = cinder_.ListVolumes({}, page);
  EXPECT_EQ(p2->volumes.size(), 1u);
  EXPECT_TRUE(p2->next_marker.empty());
}

TEST_F(FakesTest, NovaAttachMovesCinderVolume) {
  CreateVolumeRequest r;
  r.size_gib = 1;
  Volume v = *cinder_.CreateVolume({}, r);
  auto a = nova_.AttachVolume({}, "srv-1", v.id);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(cinder_.GetVolume({}, v.id)->status, "in-use");
  EXPECT_EQ(cinder_.GetVolume({}, v.id)->attachments.at(0).server_id, "srv-1");
  EXPECT_EQ(cinder_.DeleteVolume({}, v.id).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(nova_.AttachVolume({}, "srv-1", v.id).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cinder_.ListAttachments({}, v.id)->size(), 1u);
  CallOptions old;
  old.microversion = "3.41";
  EXPECT_EQ(cinder_.ExtendVolume(old, v.id, 2).code(), absl::StatusCode::kInvalidArgument);
  old.microversion = kCinderExtendInUse;
  EXPECT_TRUE(cinder_.ExtendVolume(old, v.id, 2).ok());
  ASSERT_TRUE(nova_.DetachVolume({}, "srv-1", v.id).ok());
  EXPECT_EQ(cinder_.GetVolume({}, v.id)->status, "available");
  EXPECT_TRUE(absl::IsNotFound(nova_.DetachVolume({}, "srv-1", v.id)));
  EXPECT_TRUE(absl::IsNotFound(nova_.GetServer({}, "nope").status()));
  EXPECT_EQ(nova_.GetServer({}, "srv-1")->availability_zone, "nova");
}

TEST_F(FakesTest, SnapshotsBlockVolumeDeletion) {
  CreateVolumeRequest r;
  r.size_gib = 1;
  Volume v = *cinder_.CreateVolume({}, r);
  auto s = cinder_.CreateSnapshot({}, {v.id, "snap", "", false, {{"k", "v"}}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(cinder_.DeleteVolume({}, v.id).code(), absl::StatusCode::kInvalidArgument);
  ListRequest filter;
  filter.volume_id = v.id;
  EXPECT_EQ(cinder_.ListSnapshots({}, filter)->snapshots.size(), 1u);
  ASSERT_TRUE(cinder_.DeleteSnapshot({}, s->id).ok());
  EXPECT_TRUE(cinder_.DeleteVolume({}, v.id).ok());
}

TEST(FakeBarbicanTest, OwnershipExpiryAndConsumers) {
  FakeBarbican b("proj-a");
  StoreSecretRequest r;
  r.name = "key";
  r.payload = SecureBytes::FromView("0123456789abcdef0123456789abcdef");
  std::string id = *b.StoreSecret({}, r);
  EXPECT_EQ(b.GetPayload({}, id)->view(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(b.GetSecret({}, "http://x/v1/secrets/" + id)->name, "key");
  std::string other = b.AddSecret(SecureBytes::FromView("x"), "proj-b");
  absl::Status denied = b.GetPayload({}, other).status();
  EXPECT_TRUE(absl::IsPermissionDenied(denied));
  EXPECT_EQ(HttpStatusOf(denied), 403);
  ASSERT_TRUE(b.RegisterConsumer({}, id, {"volume", "volume", "v1"}).ok());
  ASSERT_TRUE(b.RegisterConsumer({}, id, {"volume", "volume", "v1"}).ok());
  EXPECT_EQ(b.ListConsumers({}, id)->size(), 1u);
  ASSERT_TRUE(b.UnregisterConsumer({}, id, {"volume", "volume", "v1"}).ok());
  b.SetConsumersSupported(false);
  EXPECT_EQ(b.RegisterConsumer({}, id, {"volume", "volume", "v1"}).code(),
            absl::StatusCode::kUnimplemented);
  b.ExpireSecret(id);
  absl::Status expired = b.GetPayload({}, id).status();
  EXPECT_TRUE(absl::IsNotFound(expired));
  EXPECT_THAT(std::string(expired.message()), HasSubstr("missing or expired"));
  EXPECT_EQ(b.GetPayload({}, "junk").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace byok::openstack::testing
