#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "openstack/nova.h"
#include "openstack/testing/fake_cinder.h"
#include "openstack/testing/fake_util.h"

namespace byok::openstack::testing {

// An in-memory Nova. With a FakeCinder attached, AttachVolume/DetachVolume also move the
// volume to in-use/available there, as the real pair does (synchronously here).
class FakeNova : public NovaClient {
 public:
  explicit FakeNova(FakeCinder* cinder = nullptr) : cinder_(cinder) {}

  void AddServer(Server server);
  CallLog& calls() { return calls_; }

  absl::StatusOr<Server> GetServer(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<ServerVolumeAttachment> AttachVolume(const CallOptions& o,
                                                      const std::string& server_id,
                                                      const std::string& volume_id) override;
  absl::Status DetachVolume(const CallOptions& o, const std::string& server_id,
                            const std::string& volume_id) override;

 private:
  FakeCinder* const cinder_;
  CallLog calls_;
  mutable absl::Mutex mu_;
  std::map<std::string, Server> servers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<ServerVolumeAttachment>> attachments_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::openstack::testing
