#pragma once

// The fixture of the fault-injection tests (label fault): the driver's own view of the lab,
// a tenant key per test, provisioner-style calls through the real binary, and the census
// that ends every test: 0 Cinder volumes left with the suite's cluster tag and the project's
// Barbican secret count back to where it started.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/strings.h"
#include "controller/controller_service.h"
#include "csi/csi.pb.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "tests/conformance/plugin_process.h"
#include "tests/integration/driver_lab/lab_driver.h"

namespace byok::testing {

inline constexpr char kCluster[] = "fault-test";

class FaultLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!lab::HaveLab()) return;
    auto cloud = lab::ConnectAsDriver();
    ASSERT_TRUE(cloud.ok()) << cloud.status();
    cloud_ = cloud->release();
    clients_ = &cloud_->clients;
  }
  static void TearDownTestSuite() {
    delete cloud_;
    cloud_ = nullptr;
    clients_ = nullptr;
  }
  void SetUp() override {
    if (cloud_ == nullptr) GTEST_SKIP() << "no lab: run with the environment of tests/lab/up.sh";
    secrets_before_ = lab::BarbicanSecretCount();
    std::string bytes = "FAULTKEY" + std::string(24, 'f');
    auto id = lab::StoreKey(*clients_, "byok-fault-test", bytes);
    ASSERT_TRUE(id.ok()) << id.status();
    key_id_ = *id;
    kek_ = SecureBytes::FromView(bytes);
  }
  void TearDown() override {
    if (cloud_ == nullptr) return;
    // Clean up whatever a failed test left, then the census.
    for (const auto& v : OurVolumes("")) (void)clients_->cinder->DeleteVolume(lab::Opts(), v.id);
    if (!key_id_.empty()) (void)clients_->barbican->DeleteSecret(lab::Opts(), key_id_);
    absl::Time until = absl::Now() + absl::Seconds(120);
    while (!OurVolumes("").empty() && absl::Now() < until) absl::SleepFor(absl::Seconds(1));
    EXPECT_EQ(OurVolumes("").size(), 0u) << "orphaned Cinder volumes with cluster " << kCluster;
    if (secrets_before_ >= 0) {
      EXPECT_EQ(lab::BarbicanSecretCount(), secrets_before_) << "orphaned Barbican secrets";
    }
  }

  static std::vector<openstack::Volume> OurVolumes(const std::string& name) {
    return lab::VolumesOfCluster(*clients_->cinder, kCluster, name);
  }

  ::csi::v1::CreateVolumeRequest CreateRequest(const std::string& name) const {
    ::csi::v1::CreateVolumeRequest r;
    r.set_name(name);
    auto* cap = r.add_volume_capabilities();
    cap->mutable_mount()->set_fs_type("ext4");
    cap->mutable_access_mode()->set_mode(
        ::csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
    (*r.mutable_secrets())["keyID"] = key_id_;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/name"] = name;
    (*r.mutable_parameters())["csi.storage.k8s.io/pvc/namespace"] = "fault";
    return r;
  }
  static std::unique_ptr<PluginProcess> StartPlugin(int v = 2) {
    auto p = PluginProcess::Start(
        {"--mode=controller", "--cloud-config=" + lab::Env("LAB_CLOUD_CONF"),
         StrCat("--cluster=", kCluster), StrCat("--v=", v), "--log-format=json"},
        absl::Seconds(60));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }
  static grpc::Status Create(const PluginProcess& p, const ::csi::v1::CreateVolumeRequest& r,
                             ::csi::v1::CreateVolumeResponse* out,
                             absl::Duration deadline = absl::Seconds(180)) {
    return p.client().Call(csi::Client::FindMethod("CreateVolume"), r, out, deadline);
  }
  // CreateVolume in the background; `when` blocks until the moment to strike (false: it never
  // came), then `fault` runs while the call is still in flight. Returns the caller's status;
  // `*struck` says whether the fault was injected.
  static grpc::Status CreateWithFault(const PluginProcess& p,
                                      const ::csi::v1::CreateVolumeRequest& r,
                                      absl::Duration deadline, const std::function<bool()>& when,
                                      const std::function<void()>& fault, bool* struck) {
    ::csi::v1::CreateVolumeResponse out;
    grpc::Status status;
    std::thread caller([&] { status = Create(p, r, &out, deadline); });
    *struck = when();
    if (*struck) fault();
    caller.join();
    return status;
  }
  // Waits until the plugin (started with --v=4 --log-format=json) has logged Cinder's reply to
  // the volume-create POST, i.e. the volume exists in Cinder; false after `timeout`.
  static bool WaitForCinderCreate(const PluginProcess& p, absl::Duration timeout) {
    absl::Time until = absl::Now() + timeout;
    while (absl::Now() < until) {
      // {"msg":"OpenStack request","service":"cinder","method":"POST",...,"status":"202"}
      std::string log = p.Log();
      size_t pos = 0;
      while ((pos = log.find("\"POST\"", pos)) != std::string::npos) {
        size_t line_start = log.rfind('\n', pos);
        line_start = line_start == std::string::npos ? 0 : line_start;
        std::string line = log.substr(line_start, log.find('\n', pos) - line_start);
        if (line.find("cinder") != std::string::npos && line.find("volumes") != std::string::npos &&
            line.find("OpenStack request") != std::string::npos) {
          return true;
        }
        pos += 6;
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
    return false;
  }
  // The provisioner's behaviour: retry ABORTED/UNAVAILABLE/DEADLINE_EXCEEDED with back-off.
  static grpc::Status CreateWithRetry(const PluginProcess& p,
                                      const ::csi::v1::CreateVolumeRequest& r,
                                      ::csi::v1::CreateVolumeResponse* out) {
    grpc::Status s;
    for (int i = 0; i < 60; ++i) {
      s = Create(p, r, out);
      auto c = s.error_code();
      if (c != grpc::StatusCode::ABORTED && c != grpc::StatusCode::UNAVAILABLE &&
          c != grpc::StatusCode::DEADLINE_EXCEEDED)
        return s;
      absl::SleepFor(absl::Milliseconds(500));
    }
    return s;
  }
  // One volume of `name`, available, bound to our key with a DEK that unwraps.
  void ExpectOneBoundVolume(const std::string& name, const std::string& id) {
    auto volumes = OurVolumes(name);
    ASSERT_EQ(volumes.size(), 1u) << "volumes named " << name;
    EXPECT_EQ(volumes[0].id, id);
    auto v = clients_->cinder->GetVolume(lab::Opts(), id);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->status, "available");
    auto d = envelope::FromMetadata(v->metadata);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->key_id, key_id_);
    EXPECT_TRUE(envelope::UnwrapDek(kek_, d->wrapped_dek, {name, key_id_}).ok());
  }
  void Delete(const PluginProcess& p, const std::string& id) {
    ::csi::v1::DeleteVolumeRequest r;
    r.set_volume_id(id);
    ::csi::v1::DeleteVolumeResponse out;
    grpc::Status s =
        p.client().Call(csi::Client::FindMethod("DeleteVolume"), r, &out, absl::Seconds(120));
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  static inline lab::DriverCloud* cloud_ = nullptr;
  static inline cloud::Clients* clients_ = nullptr;
  std::string key_id_;
  SecureBytes kek_;
  int secrets_before_ = -1;
};

}  // namespace byok::testing
