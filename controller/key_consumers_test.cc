// Barbican consumers on the in-memory cloud: a volume and its snapshot are recorded on the
// tenant's key at create, move with a rotation, and are removed at delete; a Barbican without
// consumers changes nothing else.
#include "cloud/key_consumers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/parameters.h"
#include "controller/testing/controller_fixture.h"

namespace byok::controller {
namespace {

using openstack::SecretConsumer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class KeyConsumersTest : public testing::ControllerFixture {
 protected:
  std::vector<SecretConsumer> On(const std::string& key_id) {
    auto list = cloud_.barbican->ListConsumers(openstack::CallOptions(), key_id);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? *list : std::vector<SecretConsumer>{};
  }
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& r, Response* out) {
    grpc::ServerContext context;
    return (service_.*method)(&context, &r, out);
  }
  std::string CreateVolume(const std::string& name) {
    ::csi::v1::CreateVolumeResponse created;
    EXPECT_TRUE(Create(Request(name), &created).ok());
    return created.volume().volume_id();
  }
  std::string Snapshot(const std::string& volume_id) {
    ::csi::v1::CreateSnapshotRequest r;
    r.set_name("snap-of-" + volume_id);
    r.set_source_volume_id(volume_id);
    ::csi::v1::CreateSnapshotResponse out;
    EXPECT_TRUE(Call(&ControllerService::CreateSnapshot, r, &out).ok());
    return out.snapshot().snapshot_id();
  }
  void Rotate(const std::string& volume_id, const std::string& key_id) {
    ::csi::v1::ControllerModifyVolumeRequest r;
    r.set_volume_id(volume_id);
    (*r.mutable_secrets())["keyID"] = key_id;
    (*r.mutable_mutable_parameters())[kParamKeyRotation] = "b";
    ::csi::v1::ControllerModifyVolumeResponse out;
    grpc::Status s = Call(&ControllerService::ControllerModifyVolume, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  void Delete(const std::string& volume_id, const std::string& snapshot_id) {
    ::csi::v1::DeleteSnapshotRequest ds;
    ds.set_snapshot_id(snapshot_id);
    ::csi::v1::DeleteSnapshotResponse dso;
    EXPECT_TRUE(Call(&ControllerService::DeleteSnapshot, ds, &dso).ok());
    ::csi::v1::DeleteVolumeRequest dv;
    dv.set_volume_id(volume_id);
    ::csi::v1::DeleteVolumeResponse dvo;
    EXPECT_TRUE(Call(&ControllerService::DeleteVolume, dv, &dvo).ok());
  }
};

TEST_F(KeyConsumersTest, VolumeAndSnapshotAreRecordedOnTheirKeyAndFollowIt) {
  const std::string volume = CreateVolume("pvc-consumed");
  EXPECT_THAT(On(key_id_), ElementsAre(SecretConsumer{"volume", "volume", volume}));
  const std::string snapshot = Snapshot(volume);
  EXPECT_THAT(On(key_id_), UnorderedElementsAre(SecretConsumer{"volume", "volume", volume},
                                                SecretConsumer{"volume", "snapshot", snapshot}));

  const std::string next = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'X')));
  Rotate(volume, next);
  EXPECT_THAT(On(key_id_), IsEmpty());
  EXPECT_THAT(On(next), UnorderedElementsAre(SecretConsumer{"volume", "volume", volume},
                                             SecretConsumer{"volume", "snapshot", snapshot}));

  Delete(volume, snapshot);
  EXPECT_THAT(On(next), IsEmpty());
}

TEST_F(KeyConsumersTest, ABarbicanWithoutConsumersChangesNothingElse) {
  cloud_.barbican->SetConsumersSupported(false);
  const std::string volume = CreateVolume("pvc-unrecorded");
  const std::string snapshot = Snapshot(volume);
  const std::string next = cloud_.barbican->AddSecret(SecureBytes::FromView(std::string(32, 'Y')));
  Rotate(volume, next);
  Delete(volume, snapshot);
  EXPECT_TRUE(cloud_.cinder->Volumes().empty());
}

}  // namespace
}  // namespace byok::controller
