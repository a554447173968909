#pragma once

// The fixture of the controller's lab tests: the real binary on its CSI socket against the
// lab of tests/lab, the driver's and the alt tenant's own OpenStack clients to set up and
// check what the plugin did, and helpers for keys and requests.
#include <gtest/gtest.h>

#include <string>

#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "csi/csi.pb.h"
#include "tests/conformance/plugin_process.h"
#include "tests/integration/driver_lab/lab_driver.h"

namespace byok::testing {

using ::csi::v1::VolumeCapability;
using openstack::CallOptions;

using lab::Env;
inline CallOptions Opts() { return lab::Opts(absl::Seconds(60)); }

class ControllerLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!lab::HaveLab()) return;
    auto demo = lab::ConnectAsDriver();
    ASSERT_TRUE(demo.ok()) << demo.status();
    demo_ = demo->release();

    // The alt project's user, for keys the demo identity may not read.
    auto alt = lab::ConnectAsAlt();
    ASSERT_TRUE(alt.ok()) << alt.status();
    alt_ = alt->release();

    auto plugin =
        PluginProcess::Start({"--mode=controller", "--cloud-config=" + Env("LAB_CLOUD_CONF"),
                              "--cluster=lab-test", "--v=2"},
                             absl::Seconds(30));
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    plugin_ = plugin->release();
  }
  static void TearDownTestSuite() {
    if (plugin_ != nullptr) {
      std::string log = plugin_->Log();
      // Hygiene over the whole suite: the tenant keys' bytes never reached the log.
      EXPECT_EQ(log.find("KEYBYTES"), std::string::npos);
    }
    delete plugin_;
    delete demo_;
    delete alt_;
    plugin_ = nullptr;
    demo_ = alt_ = nullptr;
  }
  void SetUp() override {
    if (plugin_ == nullptr) GTEST_SKIP() << "no lab: run with the environment of tests/lab/up.sh";
  }

  template <typename Request, typename Response>
  grpc::Status Call(std::string_view method, const Request& request, Response* response) {
    return plugin_->client().Call(csi::Client::FindMethod(method), request, response,
                                  absl::Seconds(120));
  }

  // A 256-bit AES key in Barbican with recognisable bytes; deleted by the test.
  static std::string StoreKey(const lab::DriverCloud* owner, char fill, int bits = 256,
                              std::string type = "symmetric") {
    std::string bytes = "KEYBYTES" + std::string(bits / 8 - 8, fill);
    auto id = lab::StoreKey(owner->clients, "byok-lab-test", bytes, type);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : "";
  }
  static void DeleteKey(const lab::DriverCloud* owner, const std::string& id) {
    (void)owner->clients.barbican->DeleteSecret(Opts(), id);
  }

  ::csi::v1::CreateVolumeRequest Request(const std::string& name, const std::string& key_id) {
    ::csi::v1::CreateVolumeRequest r;
    r.set_name(name);
    auto* cap = r.add_volume_capabilities();
    cap->mutable_mount()->set_fs_type("ext4");
    cap->mutable_access_mode()->set_mode(VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    if (!key_id.empty()) (*r.mutable_secrets())["keyID"] = key_id;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/name"] = name;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/namespace"] = "lab";
    return r;
  }

  // Volumes of the demo project carrying this suite's cluster tag.
  static int OurVolumes() {
    openstack::ListRequest list;
    list.metadata[controller::kMetaCluster] = "lab-test";
    auto page = demo_->clients.cinder->ListVolumes(Opts(), list);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? static_cast<int>(page->volumes.size()) : -1;
  }
  static inline lab::DriverCloud* demo_ = nullptr;
  static inline lab::DriverCloud* alt_ = nullptr;
  static inline PluginProcess* plugin_ = nullptr;
};

}  // namespace byok::testing
