// Cinder against the real lab: plain and LUKS volumes, metadata, encryption metadata, the
// 3.53 schema, quota 413, snapshots, paging, types and version discovery.
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/absl_compat.h"
#include "tests/integration/openstack/lab_env.h"

namespace byok::openstack::lab {
namespace {

using ::testing::HasSubstr;

// Creates a volume whose deletion is registered with `cleanup` right away.
absl::StatusOr<Volume> CreateVolume(CinderClient& cinder, Cleanup& cleanup,
                                    CreateVolumeRequest request,
                                    const CallOptions& o = Deadline()) {
  absl::StatusOr<Volume> v = cinder.CreateVolume(o, request);
  if (v.ok()) {
    std::string id = v->id;
    cleanup.Add(StrCat("delete volume ", id),
                [&cinder, id] { return DeleteVolumeAndWait(cinder, id); });
  }
  return v;
}

CreateVolumeRequest Plain(std::string_view suffix) {
  CreateVolumeRequest r;
  r.name = UniqueName(suffix);
  r.size_gib = 1;
  r.metadata = {{"cinder.csi.openstack.org/cluster", "byok-lab"}};
  return r;
}

TEST(CinderLabTest, VersionDiscovery) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  absl::StatusOr<ApiVersion> v = (*cloud)->cinder->GetApiVersion(Deadline());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->id, "v3.0");
  EXPECT_TRUE(v->Supports(kCinderStrictCreateSchema));
  EXPECT_TRUE(v->Supports(kCinderKeyIdInDetails));
  EXPECT_TRUE(v->Supports(v->max_version));
}

TEST(CinderLabTest, PlainVolumeLifecycle) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  CinderClient& cinder = *(*cloud)->cinder;
  Cleanup cleanup;
  CreateVolumeRequest req = Plain("plain");
  req.metadata["csi.storage.k8s.io/pvc/name"] = "data";
  absl::StatusOr<Volume> created = CreateVolume(cinder, cleanup, req);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->name, req.name);
  absl::StatusOr<Volume> v = WaitForVolume(cinder, created->id, {"available"});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->size_gib, 1);
  EXPECT_FALSE(v->encrypted);
  EXPECT_TRUE(v->encryption_key_id.empty());
  EXPECT_EQ(v->metadata.at("csi.storage.k8s.io/pvc/name"), "data");
  EXPECT_FALSE(v->availability_zone.empty());

  // Metadata: merge, delete a plain key and a key with '/' (not addressable in a URL).
  auto md = cinder.UpdateVolumeMetadata(Deadline(), v->id, {{"a", "1"}, {"x/y", "2"}});
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(md->size(), 4u);
  ASSERT_TRUE(cinder.DeleteVolumeMetadataKey(Deadline(), v->id, "a").ok());
  absl::Status slash = cinder.DeleteVolumeMetadataKey(Deadline(), v->id, "x/y");
  ASSERT_TRUE(slash.ok()) << slash;
  md = cinder.GetVolumeMetadata(Deadline(), v->id);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->count("a"), 0u);
  EXPECT_EQ(md->count("x/y"), 0u);
  EXPECT_EQ(md->at("csi.storage.k8s.io/pvc/name"), "data");
  EXPECT_TRUE(absl::IsNotFound(cinder.DeleteVolumeMetadataKey(Deadline(), v->id, "a")));

  absl::StatusOr<EncryptionMetadata> enc = cinder.GetVolumeEncryption(Deadline(), v->id);
  ASSERT_TRUE(enc.ok()) << enc.status();
  EXPECT_FALSE(enc->encrypted());

  // Filters.
  ListRequest by_name;
  by_name.name = req.name;
  absl::StatusOr<VolumePage> page = cinder.ListVolumes(Deadline(), by_name);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->volumes.size(), 1u);
  EXPECT_EQ(page->volumes[0].id, v->id);
  ListRequest by_md;
  by_md.metadata = {{"csi.storage.k8s.io/pvc/name", "data"},
                    {"cinder.csi.openstack.org/cluster", "byok-lab"}};
  page = cinder.ListVolumes(Deadline(), by_md);
  ASSERT_TRUE(page.ok()) << page.status();
  bool found = false;
  for (const Volume& x : page->volumes) found = found || x.id == v->id;
  EXPECT_TRUE(found);

  // Extend while available.
  ASSERT_TRUE(cinder.ExtendVolume(Deadline(), v->id, 2).ok());
  absl::StatusOr<Volume> extended = WaitForVolume(cinder, v->id, {"available"});
  ASSERT_TRUE(extended.ok());
  for (int i = 0; i < 50 && extended.ok() && extended->size_gib != 2; ++i) {
    absl::SleepFor(absl::Milliseconds(200));
    extended = cinder.GetVolume(Deadline(), v->id);
  }
  ASSERT_TRUE(extended.ok());
  EXPECT_EQ(extended->size_gib, 2);
  EXPECT_EQ(cinder.ExtendVolume(Deadline(), v->id, 2).code(), absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(DeleteVolumeAndWait(cinder, v->id).ok());
  EXPECT_TRUE(absl::IsNotFound(cinder.GetVolume(Deadline(), v->id).status()));
}

TEST(CinderLabTest, EncryptedVolumeLifecycle) {
  BYOK_REQUIRE_LAB();
  std::string type = Var("ENCRYPTED_VOLUME_TYPE");
  if (type.empty()) type = "luks";
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  CinderClient& cinder = *(*cloud)->cinder;
  Cleanup cleanup;
  CreateVolumeRequest req = Plain("luks");
  req.volume_type = type;
  absl::StatusOr<Volume> created = CreateVolume(cinder, cleanup, req);
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<Volume> v = WaitForVolume(cinder, created->id, {"available"});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->encrypted);
  EXPECT_EQ(v->volume_type, type);             // a name at >= 3.63
  ASSERT_FALSE(v->encryption_key_id.empty());  // >= 3.64

  absl::StatusOr<EncryptionMetadata> enc = cinder.GetVolumeEncryption(Deadline(), v->id);
  ASSERT_TRUE(enc.ok()) << enc.status();
  EXPECT_EQ(enc->encryption_key_id, v->encryption_key_id);
  EXPECT_EQ(enc->provider, "luks");
  EXPECT_EQ(enc->cipher, "aes-xts-plain64");
  EXPECT_EQ(enc->key_size, 256);
  EXPECT_EQ(enc->control_location, "front-end");

  // The key Cinder made is a binary Barbican secret the owner can read.
  absl::StatusOr<SecureBytes> key =
      (*cloud)->barbican->GetPayload(Deadline(), enc->encryption_key_id);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), 32u);

  // Deleting the volume deletes its key.
  ASSERT_TRUE(DeleteVolumeAndWait(cinder, v->id).ok());
  EXPECT_TRUE(
      absl::IsNotFound((*cloud)->barbican->GetSecret(Deadline(), enc->encryption_key_id).status()));
}

TEST(CinderLabTest, EncryptionKeyIdNeedsStrictMicroversion) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  CinderClient& cinder = *(*cloud)->cinder;
  Cleanup cleanup;
  CreateVolumeRequest req = Plain("byok");
  req.volume_type = Var("ENCRYPTED_VOLUME_TYPE").empty() ? "luks" : Var("ENCRYPTED_VOLUME_TYPE");
  req.encryption_key_id = "6f1d7c1e-0000-4000-8000-0000deadbeef";
  // Below 3.53 Cinder would ignore the key: the client refuses and sends nothing.
  CallOptions old = Deadline();
  old.microversion = "3.52";
  int64_t before = (*cloud)->stats->Total("cinder").requests;
  absl::StatusOr<Volume> refused = CreateVolume(cinder, cleanup, req, old);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*cloud)->stats->Total("cinder").requests, before);
  // At 3.53 stock Cinder's schema rejects the unknown field with 400 and its own message.
  CallOptions strict = Deadline();
  strict.microversion = kCinderStrictCreateSchema;
  absl::StatusOr<Volume> rejected = CreateVolume(cinder, cleanup, req, strict);
  ASSERT_FALSE(rejected.ok()) << "stock Cinder accepted encryption_key_id at 3.53";
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(rejected.status().message()),
      HasSubstr("Additional properties are not allowed ('encryption_key_id' was unexpected)"));
  EXPECT_EQ(HttpStatusOf(rejected.status()), 400);
}

TEST(CinderLabTest, QuotaExceededIs413ResourceExhausted) {
  BYOK_REQUIRE_LAB();
  std::string project = Var("ALT_PROJECT_ID");
  if (project.empty() || Var("ADMIN_PASSWORD").empty() || Var("ALT_PASSWORD").empty()) {
    GTEST_SKIP() << "needs the lab's admin and alt credentials";
  }
  auto admin = Connect(Admin());
  auto alt = Connect(Alt());
  ASSERT_TRUE(admin.ok() && alt.ok());
  absl::StatusOr<std::map<std::string, QuotaUsage>> usage =
      (*admin)->cinder->GetQuotaUsage(Deadline(), project);
  ASSERT_TRUE(usage.ok()) << usage.status();
  const int64_t old_limit = usage->at("volumes").limit;
  const int64_t in_use = usage->at("volumes").in_use + usage->at("volumes").reserved;
  Cleanup cleanup;
  cleanup.Add("restore alt volume quota", [&admin, project, old_limit] {
    return (*admin)->cinder->UpdateQuota(Deadline(), project, {{"volumes", old_limit}});
  });
  ASSERT_TRUE((*admin)->cinder->UpdateQuota(Deadline(), project, {{"volumes", in_use}}).ok());
  absl::StatusOr<Volume> v = CreateVolume(*(*alt)->cinder, cleanup, Plain("over-quota"));
  ASSERT_FALSE(v.ok()) << "created " << v->id << " over quota";
  EXPECT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted) << v.status();
  EXPECT_TRUE(IsQuotaExceeded(v.status()));
  EXPECT_EQ(HttpStatusOf(v.status()), 413);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("VolumeLimitExceeded"));
}

TEST(CinderLabTest, SnapshotsWithMetadata) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  CinderClient& cinder = *(*cloud)->cinder;
  Cleanup cleanup;
  absl::StatusOr<Volume> created = CreateVolume(cinder, cleanup, Plain("snap-src"));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(WaitForVolume(cinder, created->id, {"available"}).ok());
  CreateSnapshotRequest sr;
  sr.volume_id = created->id;
  sr.name = UniqueName("snap");
  sr.metadata = {{"csi.storage.k8s.io/volumesnapshot/name", "s1"}};
  absl::StatusOr<Snapshot> snap = cinder.CreateSnapshot(Deadline(), sr);
  ASSERT_TRUE(snap.ok()) << snap.status();
  std::string sid = snap->id;
  cleanup.Add(StrCat("delete snapshot ", sid),
              [&cinder, sid] { return DeleteSnapshotAndWait(cinder, sid); });
  absl::StatusOr<Snapshot> ready = WaitForSnapshot(cinder, sid, "available");
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->volume_id, created->id);
  EXPECT_EQ(ready->size_gib, 1);
  EXPECT_EQ(ready->metadata.at("csi.storage.k8s.io/volumesnapshot/name"), "s1");
  ASSERT_TRUE(cinder.UpdateSnapshotMetadata(Deadline(), sid, {{"k", "v"}}).ok());
  ASSERT_TRUE(
      cinder.DeleteSnapshotMetadataKey(Deadline(), sid, "csi.storage.k8s.io/volumesnapshot/name")
          .ok());
  absl::StatusOr<std::map<std::string, std::string>> md =
      cinder.GetSnapshotMetadata(Deadline(), sid);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(*md, (std::map<std::string, std::string>{{"k", "v"}}));
  ListRequest by_volume;
  by_volume.volume_id = created->id;
  absl::StatusOr<SnapshotPage> page = cinder.ListSnapshots(Deadline(), by_volume);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->snapshots.size(), 1u);
  // A volume with snapshots cannot be deleted.
  EXPECT_EQ(cinder.DeleteVolume(Deadline(), created->id).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CinderLabTest, PagingLimitsAndTypes) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  testing::CinderTestClient& cinder = *(*cloud)->cinder;
  Cleanup cleanup;
  std::string tag = UniqueName("page");
  for (int i = 0; i < 2; ++i) {
    CreateVolumeRequest r = Plain(StrCat("page-", i));
    r.metadata["byok-lab-page"] = tag;
    absl::StatusOr<Volume> v = CreateVolume(cinder, cleanup, r);
    ASSERT_TRUE(v.ok()) << v.status();
  }
  ListRequest r;
  r.limit = 1;
  r.metadata = {{"byok-lab-page", tag}};
  std::set<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    absl::StatusOr<VolumePage> page = cinder.ListVolumes(Deadline(), r);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Volume& v : page->volumes) seen.insert(v.id);
    if (page->next_marker.empty()) break;
    r.marker = page->next_marker;
  }
  EXPECT_EQ(seen.size(), 2u);

  absl::StatusOr<Limits> limits = cinder.GetLimits(Deadline());
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_GE(limits->total_volumes_used, 2);
  EXPECT_GT(limits->max_total_volumes, 0);

  absl::StatusOr<std::vector<VolumeType>> types = cinder.ListVolumeTypes(Deadline());
  ASSERT_TRUE(types.ok()) << types.status();
  std::string luks_id;
  for (const VolumeType& t : *types) {
    if (t.name == (Var("ENCRYPTED_VOLUME_TYPE").empty() ? "luks" : Var("ENCRYPTED_VOLUME_TYPE")))
      luks_id = t.id;
  }
  ASSERT_FALSE(luks_id.empty());
  EXPECT_EQ(cinder.GetVolumeType(Deadline(), luks_id)->id, luks_id);
  // The type's encryption spec is admin-only by default policy.
  EXPECT_EQ(cinder.GetVolumeTypeEncryption(Deadline(), luks_id).status().code(),
            absl::StatusCode::kPermissionDenied);
  if (!Var("ADMIN_PASSWORD").empty()) {
    auto admin = Connect(Admin());
    absl::StatusOr<VolumeTypeEncryption> te =
        (*admin)->cinder->GetVolumeTypeEncryption(Deadline(), luks_id);
    ASSERT_TRUE(te.ok()) << te.status();
    EXPECT_EQ(te->provider, "luks");
    EXPECT_EQ(te->key_size, 256);
  }
}

TEST(CinderLabTest, OneHttpCallPerReadOnceAuthenticated) {
  BYOK_REQUIRE_LAB();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  ASSERT_TRUE((*cloud)->cinder->GetLimits(Deadline()).ok());
  HttpStats::Counts before = (*cloud)->stats->Total();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*cloud)->cinder->GetLimits(Deadline()).ok());
  HttpStats::Counts after = (*cloud)->stats->Total();
  EXPECT_EQ(after.requests - before.requests, 5);
  EXPECT_EQ((*cloud)->stats->Total("keystone").requests, 1);
}

}  // namespace
}  // namespace byok::openstack::lab
