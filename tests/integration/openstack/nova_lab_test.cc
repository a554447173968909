// Nova against the real lab (when it runs Nova): server facts and attach/detach.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/absl_compat.h"
#include "tests/integration/openstack/lab_env.h"

namespace byok::openstack::lab {
namespace {

#define BYOK_REQUIRE_NOVA()                                                         \
  do {                                                                              \
    BYOK_REQUIRE_LAB();                                                             \
    if (Var("NOVA") != "1" || Var("NOVA_SERVER_ID").empty()) {                      \
      GTEST_SKIP() << "the lab runs without Nova (LAB_NOVA=" << Var("NOVA") << ")"; \
    }                                                                               \
  } while (0)

TEST(NovaLabTest, ServerShow) {
  BYOK_REQUIRE_NOVA();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  absl::StatusOr<Server> s = (*cloud)->nova->GetServer(Deadline(), Var("NOVA_SERVER_ID"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->id, Var("NOVA_SERVER_ID"));
  EXPECT_EQ(s->status, "ACTIVE");
  EXPECT_FALSE(s->availability_zone.empty());
  absl::Status missing =
      (*cloud)->nova->GetServer(Deadline(), "6f1d7c1e-0000-4000-8000-0000deadbeef").status();
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_FALSE(RequestIdOf(missing).empty());
}

TEST(NovaLabTest, AttachAndDetach) {
  BYOK_REQUIRE_NOVA();
  auto cloud = Connect(DemoPassword());
  ASSERT_TRUE(cloud.ok());
  testing::CinderTestClient& cinder = *(*cloud)->cinder;
  testing::NovaTestClient& nova = *(*cloud)->nova;
  const std::string server = Var("NOVA_SERVER_ID");
  Cleanup cleanup;
  CreateVolumeRequest r;
  r.name = UniqueName("attach");
  r.size_gib = 1;
  absl::StatusOr<Volume> created = cinder.CreateVolume(Deadline(), r);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->id;
  cleanup.Add(StrCat("delete volume ", id),
              [&cinder, id] { return DeleteVolumeAndWait(cinder, id); });
  ASSERT_TRUE(WaitForVolume(cinder, id, {"available"}).ok());

  absl::StatusOr<ServerVolumeAttachment> a = nova.AttachVolume(Deadline(), server, id);
  ASSERT_TRUE(a.ok()) << a.status();
  cleanup.Add(StrCat("detach volume ", id), [&nova, &cinder, server, id] {
    absl::Status s = nova.DetachVolume(Deadline(), server, id);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    return WaitForVolume(cinder, id, {"available"}).status();
  });
  EXPECT_EQ(a->volume_id, id);
  EXPECT_EQ(a->server_id, server);
  absl::StatusOr<Volume> in_use = WaitForVolume(cinder, id, {"in-use"});
  ASSERT_TRUE(in_use.ok()) << in_use.status();
  ASSERT_EQ(in_use->attachments.size(), 1u);
  EXPECT_EQ(in_use->attachments[0].server_id, server);

  absl::StatusOr<std::vector<ServerVolumeAttachment>> list =
      nova.ListVolumeAttachments(Deadline(), server);
  ASSERT_TRUE(list.ok()) << list.status();
  bool listed = false;
  for (const ServerVolumeAttachment& x : *list) listed = listed || x.volume_id == id;
  EXPECT_TRUE(listed);
  EXPECT_EQ(nova.GetVolumeAttachment(Deadline(), server, id)->volume_id, id);
  absl::StatusOr<std::vector<Attachment>> cinder_side = cinder.ListAttachments(Deadline(), id);
  ASSERT_TRUE(cinder_side.ok()) << cinder_side.status();
  ASSERT_EQ(cinder_side->size(), 1u);
  EXPECT_EQ(cinder_side->at(0).instance, server);
  // Attached volumes cannot be deleted.
  EXPECT_EQ(cinder.DeleteVolume(Deadline(), id).code(), absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(nova.DetachVolume(Deadline(), server, id).ok());
  absl::StatusOr<Volume> available = WaitForVolume(cinder, id, {"available"});
  ASSERT_TRUE(available.ok()) << available.status();
  EXPECT_TRUE(available->attachments.empty());
  EXPECT_TRUE(absl::IsNotFound(nova.GetVolumeAttachment(Deadline(), server, id).status()));
}

}  // namespace
}  // namespace byok::openstack::lab
