// The controller RPCs that only read or reshape a volume, against the real lab: ListVolumes
// across real Cinder pages, ControllerGetVolume's status and condition, GetCapacity from the
// project's quota, clone from a volume, and expand of a volume Nova has attached.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "tests/integration/controller/controller_lab.h"

namespace byok::testing {
namespace {

// `openstack --os-cloud lab-admin ARGS` (the lab's clouds.yaml); its exit status. The lab's
// OS_* variables name the demo user and would override the cloud's own settings.
int Admin(const std::string& args) {
  std::string command = StrCat(
      "env -u OS_USERNAME -u OS_PASSWORD -u OS_AUTH_URL -u OS_PROJECT_NAME -u OS_INTERFACE "
      "-u OS_USER_DOMAIN_NAME -u OS_PROJECT_DOMAIN_NAME -u OS_REGION_NAME "
      "-u OS_IDENTITY_API_VERSION openstack --os-cloud lab-admin ",
      args, " >/dev/null 2>&1");
  return std::system(command.c_str());
}

class ControllerRpcsLab : public ControllerLab {
 protected:
  std::string CreateVolume(const std::string& name, const std::string& key = "") {
    ::csi::v1::CreateVolumeResponse created;
    grpc::Status s = Call("CreateVolume", Request(name, key), &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.volume().volume_id();
  }
  void DeleteVolume(const std::string& id) {
    ::csi::v1::DeleteVolumeRequest del;
    del.set_volume_id(id);
    ::csi::v1::DeleteVolumeResponse deleted;
    grpc::Status s = Call("DeleteVolume", del, &deleted);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
  }
  grpc::Status Publish(const std::string& id, bool publish) {
    const std::string node = Env("LAB_NOVA_SERVER_ID");
    if (publish) {
      ::csi::v1::ControllerPublishVolumeRequest r;
      r.set_volume_id(id);
      r.set_node_id(node);
      *r.mutable_volume_capability() = Request("x", "").volume_capabilities(0);
      ::csi::v1::ControllerPublishVolumeResponse out;
      return Call("ControllerPublishVolume", r, &out);
    }
    ::csi::v1::ControllerUnpublishVolumeRequest r;
    r.set_volume_id(id);
    r.set_node_id(node);
    ::csi::v1::ControllerUnpublishVolumeResponse out;
    return Call("ControllerUnpublishVolume", r, &out);
  }
  void WaitUntilNoVolumesOfOurs() {
    for (int i = 0; i < 60 && OurVolumes() > 0; ++i) absl::SleepFor(absl::Seconds(1));
    EXPECT_EQ(OurVolumes(), 0);
  }
};

// Pages of one entry each, so every page is a real Cinder page with a real marker; volumes
// of another cluster and untagged ones in the same project never show.
TEST_F(ControllerRpcsLab, ListVolumesPagesThroughCinderAndKeepsToItsCluster) {
  const std::string stem = StrCat("lab-list-", absl::ToUnixMicros(absl::Now()));
  std::set<std::string> ours;
  for (const char* suffix : {"-a", "-b", "-c"}) ours.insert(CreateVolume(stem + suffix));
  std::vector<std::string> foreign;
  for (const std::string cluster : {"another-cluster", ""}) {
    openstack::CreateVolumeRequest r;
    r.name = stem + "-foreign";
    r.size_gib = 1;
    if (!cluster.empty()) r.metadata[controller::kMetaCluster] = cluster;
    auto v = demo_->clients.cinder->CreateVolume(Opts(), r);
    ASSERT_TRUE(v.ok()) << v.status();
    foreign.push_back(v->id);
  }

  std::set<std::string> listed;
  int pages = 0;
  ::csi::v1::ListVolumesRequest list;
  list.set_max_entries(1);
  do {
    ::csi::v1::ListVolumesResponse page;
    grpc::Status s = Call("ListVolumes", list, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(page.entries_size(), 1);
    for (const auto& e : page.entries()) {
      listed.insert(e.volume().volume_id());
      EXPECT_FALSE(e.status().volume_condition().abnormal());
    }
    list.set_starting_token(page.next_token());
    ASSERT_LT(++pages, 50) << "paging does not end";
  } while (!list.starting_token().empty());
  EXPECT_GE(pages, 3);
  for (const std::string& id : ours) EXPECT_TRUE(listed.contains(id)) << id;
  for (const std::string& id : foreign) EXPECT_FALSE(listed.contains(id)) << id;

  // A token Cinder does not know is ABORTED, as the spec asks.
  list.set_starting_token("00000000-0000-4000-8000-00000000dead");
  ::csi::v1::ListVolumesResponse page;
  EXPECT_EQ(Call("ListVolumes", list, &page).error_code(), grpc::StatusCode::ABORTED);

  for (const std::string& id : ours) DeleteVolume(id);
  for (const std::string& id : foreign) (void)demo_->clients.cinder->DeleteVolume(Opts(), id);
  WaitUntilNoVolumesOfOurs();
}

TEST_F(ControllerRpcsLab, ControllerGetVolumeReportsPublicationAndCinderErrors) {
  const std::string id = CreateVolume(StrCat("lab-get-", absl::ToUnixMicros(absl::Now())));
  ::csi::v1::ControllerGetVolumeRequest get;
  get.set_volume_id(id);
  ::csi::v1::ControllerGetVolumeResponse got;
  ASSERT_TRUE(Call("ControllerGetVolume", get, &got).ok());
  EXPECT_EQ(got.volume().capacity_bytes(), controller::kGiB);
  ASSERT_EQ(got.volume().accessible_topology_size(), 1);
  EXPECT_FALSE(got.status().volume_condition().abnormal());
  EXPECT_EQ(got.status().volume_condition().message(), "Cinder status is available");

  if (Env("LAB_NOVA") == "1") {
    ASSERT_TRUE(Publish(id, true).ok());
    ASSERT_TRUE(Call("ControllerGetVolume", get, &got).ok());
    ASSERT_EQ(got.status().published_node_ids_size(), 1);
    EXPECT_EQ(got.status().published_node_ids(0), Env("LAB_NOVA_SERVER_ID"));
    ASSERT_TRUE(Publish(id, false).ok());
  }

  // An administrator's reset to "error" is what Cinder shows after a failed backend action.
  const std::string cinder_id = id.substr(0, id.find('@'));
  ASSERT_EQ(Admin("volume set --state error " + cinder_id), 0);
  ASSERT_TRUE(Call("ControllerGetVolume", get, &got).ok());
  EXPECT_TRUE(got.status().volume_condition().abnormal());
  EXPECT_EQ(got.status().volume_condition().message(), "Cinder status is error");
  ASSERT_EQ(Admin("volume set --state available " + cinder_id), 0);
  DeleteVolume(id);
  WaitUntilNoVolumesOfOurs();

  ::csi::v1::ControllerGetVolumeResponse gone;
  EXPECT_EQ(Call("ControllerGetVolume", get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);
}

// The project's gigabytes quota minus what it uses, set here to a finite value.
TEST_F(ControllerRpcsLab, GetCapacityIsWhatTheQuotaLeaves) {
  auto before = demo_->clients.cinder->GetLimits(Opts());
  ASSERT_TRUE(before.ok()) << before.status();
  const int64_t quota = before->total_gigabytes_used + 20;
  const std::string project = Env("LAB_DEMO_PROJECT_ID");
  ASSERT_EQ(Admin(StrCat("quota set --gigabytes ", quota, " ", project)), 0);
  const std::string id = CreateVolume(StrCat("lab-cap-", absl::ToUnixMicros(absl::Now())));

  ::csi::v1::GetCapacityRequest request;
  ::csi::v1::GetCapacityResponse capacity;
  grpc::Status s = Call("GetCapacity", request, &capacity);
  auto now = demo_->clients.cinder->GetLimits(Opts());
  Admin(StrCat("quota set --gigabytes ", before->max_total_gigabytes, " ", project));
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(capacity.available_capacity(), (quota - now->total_gigabytes_used) * controller::kGiB);
  EXPECT_EQ(capacity.maximum_volume_size().value(), capacity.available_capacity());
  DeleteVolume(id);
  WaitUntilNoVolumesOfOurs();
}

// A clone carries the source's LUKS header, so its descriptor must wrap the same data key
// under the same tenant key; a clone into the other encryption mode is refused up front.
TEST_F(ControllerRpcsLab, CloneRewrapsTheSourcesKeyAndRefusesAnotherMode) {
  std::string key = StoreKey(demo_, 'n');
  const std::string name = StrCat("lab-clone-", absl::ToUnixMicros(absl::Now()));
  const std::string source = CreateVolume(name, key);
  auto clone = Request(name + "-clone", key);
  clone.mutable_volume_content_source()->mutable_volume()->set_volume_id(source);
  ::csi::v1::CreateVolumeResponse cloned;
  grpc::Status s = Call("CreateVolume", clone, &cloned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(cloned.volume().content_source().volume().volume_id(), source);

  auto kek = demo_->clients.barbican->GetPayload(Opts(), key);
  auto a = demo_->clients.cinder->GetVolume(Opts(), source.substr(0, source.find('@')));
  const std::string clone_id = cloned.volume().volume_id();
  auto b = demo_->clients.cinder->GetVolume(Opts(), clone_id.substr(0, clone_id.find('@')));
  ASSERT_TRUE(kek.ok() && a.ok() && b.ok());
  EXPECT_EQ(b->source_volid, a->id);
  auto da = envelope::FromMetadata(a->metadata);
  auto db = envelope::FromMetadata(b->metadata);
  ASSERT_TRUE(da.ok() && db.ok());
  EXPECT_EQ(db->key_id, key);
  auto dek_a = envelope::UnwrapDek(*kek, da->wrapped_dek, {name, key});
  auto dek_b = envelope::UnwrapDek(*kek, db->wrapped_dek, {name + "-clone", key});
  ASSERT_TRUE(dek_a.ok() && dek_b.ok());
  EXPECT_TRUE(dek_a->ConstantTimeEquals(*dek_b));

  auto mixed = clone;
  mixed.set_name(name + "-mixed");
  (*mixed.mutable_parameters())["encryption"] = "cinder";
  ::csi::v1::CreateVolumeResponse refused;
  s = Call("CreateVolume", mixed, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(OurVolumes(), 2);

  DeleteVolume(clone_id);
  DeleteVolume(source);
  WaitUntilNoVolumesOfOurs();
  DeleteKey(demo_, key);
}

// Two real zones (the lab's second NFS backend serves LAB_SECOND_ZONE): the preferred zone
// is where Cinder puts the volume, a class's `availability` outside the requisite zones is
// refused before anything exists, and a volume made without requirements lands in the zone
// the Nova server (the node, whose NodeGetInfo reports its AZ) is in.
TEST_F(ControllerRpcsLab, ZonesFollowTheTopologyOnTwoRealZones) {
  const std::string second = Env("LAB_SECOND_ZONE");
  if (second.empty()) GTEST_SKIP() << "the lab has one availability zone";
  const std::string stem = StrCat("lab-zone-", absl::ToUnixMicros(absl::Now()));
  auto zone_of = [](const ::csi::v1::CreateVolumeResponse& r) {
    return r.volume().accessible_topology_size() == 1
               ? r.volume().accessible_topology(0).segments().at(controller::kTopologyZoneKey)
               : std::string("<none>");
  };
  auto add = [](google::protobuf::RepeatedPtrField<::csi::v1::Topology>* list,
                const std::string& zone) {
    (*list->Add()->mutable_segments())[controller::kTopologyZoneKey] = zone;
  };

  auto preferred = Request(stem + "-pref", "");
  add(preferred.mutable_accessibility_requirements()->mutable_requisite(), "nova");
  add(preferred.mutable_accessibility_requirements()->mutable_requisite(), second);
  add(preferred.mutable_accessibility_requirements()->mutable_preferred(), second);
  ::csi::v1::CreateVolumeResponse in_second;
  grpc::Status s = Call("CreateVolume", preferred, &in_second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(zone_of(in_second), second);
  const std::string second_id = in_second.volume().volume_id();
  auto volume = demo_->clients.cinder->GetVolume(Opts(), second_id.substr(0, second_id.find('@')));
  ASSERT_TRUE(volume.ok());
  EXPECT_EQ(volume->availability_zone, second);

  auto outside = Request(stem + "-outside", "");
  (*outside.mutable_parameters())["availability"] = second;
  add(outside.mutable_accessibility_requirements()->mutable_requisite(), "nova");
  ::csi::v1::CreateVolumeResponse refused;
  s = Call("CreateVolume", outside, &refused);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("availability=" + second), std::string::npos);
  EXPECT_TRUE(lab::VolumesOfCluster(*demo_->clients.cinder, "lab-test", stem + "-outside").empty());

  if (Env("LAB_NOVA") == "1") {
    auto server = demo_->clients.nova->GetServer(Opts(), Env("LAB_NOVA_SERVER_ID"));
    ASSERT_TRUE(server.ok()) << server.status();
    ::csi::v1::CreateVolumeResponse plain;
    ASSERT_TRUE(Call("CreateVolume", Request(stem + "-plain", ""), &plain).ok());
    EXPECT_EQ(zone_of(plain), server->availability_zone);
    DeleteVolume(plain.volume().volume_id());
  }
  DeleteVolume(second_id);
  WaitUntilNoVolumesOfOurs();
}

// Cinder extends an attached volume from microversion 3.42 on, when its backend can: the
// lab's NFS backend cannot (Cinder's NFS driver refuses while attached), which the driver
// must say in words a user can act on; detached, the same expand then succeeds.
TEST_F(ControllerRpcsLab, ExpandOfAVolumeNovaHasAttached) {
  if (Env("LAB_NOVA") != "1") GTEST_SKIP() << "the lab runs without Nova";
  const std::string id = CreateVolume(StrCat("lab-grow-", absl::ToUnixMicros(absl::Now())));
  const std::string cinder_id = id.substr(0, id.find('@'));
  ASSERT_TRUE(Publish(id, true).ok());
  ::csi::v1::ControllerExpandVolumeRequest expand;
  expand.set_volume_id(id);
  expand.mutable_capacity_range()->set_required_bytes(2 * controller::kGiB);
  ::csi::v1::ControllerExpandVolumeResponse expanded;
  grpc::Status s = Call("ControllerExpandVolume", expand, &expanded);
  if (Env("LAB_CINDER_BACKEND") == "nfs") {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find("while it is attached"), std::string::npos)
        << s.error_message();
    EXPECT_NE(s.error_message().find("openstack volume set --state"), std::string::npos);
    // A retry as is meets error_extending and says what to do.
    s = Call("ControllerExpandVolume", expand, &expanded);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(s.error_message().find("error_extending"), std::string::npos) << s.error_message();
    ASSERT_EQ(Admin("volume set --state in-use " + cinder_id), 0);
    ASSERT_TRUE(Publish(id, false).ok());
    s = Call("ControllerExpandVolume", expand, &expanded);
  }
  ASSERT_TRUE(s.ok()) << s.error_message() << "\n" << plugin_->Log();
  EXPECT_EQ(expanded.capacity_bytes(), 2 * controller::kGiB);
  EXPECT_TRUE(expanded.node_expansion_required());
  auto volume = demo_->clients.cinder->GetVolume(Opts(), cinder_id);
  ASSERT_TRUE(volume.ok());
  EXPECT_EQ(volume->size_gib, 2);
  EXPECT_TRUE(Call("ControllerExpandVolume", expand, &expanded).ok());  // idempotent
  if (Env("LAB_CINDER_BACKEND") != "nfs") {
    EXPECT_EQ(volume->status, "in-use");
    ASSERT_TRUE(Publish(id, false).ok());
  }
  DeleteVolume(id);
  WaitUntilNoVolumesOfOurs();
}

}  // namespace
}  // namespace byok::testing
