#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "cloud/testing/fake_cloud_access.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "node/node_deps.h"
#include "node/testing/fake_host.h"
#include "openstack/cinder.h"

namespace byok::node::testing {

using cloud::testing::FakeCloudAccess;

inline constexpr int64_t kGiB = int64_t{1} << 30;

// A node (FakeHost), a cloud (FakeCloudAccess) and a scratch directory for mount points, plus
// helpers that create volumes the way the controller would.
class NodeWorld {
 public:
  NodeWorld() {
    std::string pattern = (std::filesystem::temp_directory_path() / "node-test.XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    deps_.cloud = &cloud_;
    deps_.finder = &host_.finder();
    deps_.probe = &host_.probe();
    deps_.crypt = &host_.crypt();
    deps_.mounter = &host_.mounter();
    deps_.exec = &host_.exec();
    deps_.fs = &host_.filesystem();
  }
  ~NodeWorld() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  struct Volume {
    std::string id;
    std::string name;
    std::string key_id;  // the tenant's Barbican key
    SecureBytes kek;
    SecureBytes dek;
    std::string device;  // its disk on the node
  };

  // A tenant key in Barbican.
  std::string AddKey(SecureBytes* kek_out = nullptr) {
    SecureBytes kek = *envelope::GenerateDek();  // 32 random bytes
    if (kek_out != nullptr) *kek_out = kek.Clone();
    return cloud_.barbican->AddSecret(std::move(kek));
  }

  // An envelope volume in Cinder (DEK wrapped under a new tenant key) and its disk. With a
  // `display_name`, the volume records `name` as its CSI name (as the controller does) and
  // Cinder shows `display_name` (as after a rename).
  Volume AddEnvelopeVolume(const std::string& name, envelope::LuksState state,
                           DeviceContent content = {}, int64_t size = kGiB,
                           const std::string& display_name = "") {
    Volume v;
    v.name = name;
    v.key_id = AddKey(&v.kek);
    v.dek = *envelope::GenerateDek();
    envelope::Descriptor d;
    d.mode = envelope::Mode::kEnvelope;
    d.key_id = v.key_id;
    d.wrapped_dek = *envelope::WrapDek(v.kek, v.dek, {name, v.key_id});
    d.luks_state = state;
    openstack::Volume cv;
    cv.name = display_name.empty() ? name : display_name;
    cv.size_gib = size / kGiB;
    cv.metadata = envelope::ToMetadata(d);
    if (!display_name.empty()) cv.metadata[envelope::kMetaCsiName] = name;
    v.id = cloud_.cinder->InsertVolume(cv);
    v.device = host_.AddDisk(v.id, size, content);
    return v;
  }

  // A cinder-mode volume (Cinder's own LUKS under a tenant key) and its disk.
  Volume AddCinderModeVolume(const std::string& name, DeviceContent content = {}) {
    Volume v;
    v.name = name;
    v.key_id = AddKey(&v.kek);
    envelope::Descriptor d;
    d.mode = envelope::Mode::kCinder;
    d.key_id = v.key_id;
    openstack::Volume cv;
    cv.name = name;
    cv.size_gib = 1;
    cv.metadata = envelope::ToMetadata(d);
    v.id = cloud_.cinder->InsertVolume(cv);
    v.device = host_.AddDisk(v.id, kGiB, content);
    return v;
  }

  // A plain (mode none) volume and its disk.
  Volume AddPlainVolume(const std::string& name, DeviceContent content = {}) {
    Volume v;
    v.name = name;
    openstack::Volume cv;
    cv.name = name;
    cv.size_gib = 1;
    v.id = cloud_.cinder->InsertVolume(cv);
    v.device = host_.AddDisk(v.id, kGiB, content);
    return v;
  }

  std::string LuksState(const std::string& volume_id) {
    auto md = cloud_.cinder->GetVolumeMetadata({}, volume_id);
    if (!md.ok()) return "<error>";
    auto it = md->find(envelope::kMetaLuks);
    return it == md->end() ? "" : it->second;
  }

  std::string Path(const std::string& relative) const { return dir_ + "/" + relative; }

  FakeHost& host() { return host_; }
  FakeCloudAccess& cloud() { return cloud_; }
  const NodeDeps& deps() const { return deps_; }

 private:
  std::string dir_;
  FakeHost host_;
  FakeCloudAccess cloud_;
  NodeDeps deps_;
};

}  // namespace byok::node::testing
