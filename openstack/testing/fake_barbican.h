#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "openstack/barbican.h"
#include "openstack/testing/fake_util.h"
#include "openstack/testing/test_api.h"

namespace byok::openstack::testing {

// An in-memory Barbican. Secrets belong to a project; reading a secret of another project
// than `caller_project` is 403 like the real policy, expired or deleted secrets are 404.
class FakeBarbican : public BarbicanClient {
 public:
  explicit FakeBarbican(std::string caller_project = "fake-project")
      : caller_project_(std::move(caller_project)) {}

  // Stores a secret directly (any project); returns its id.
  std::string AddSecret(SecureBytes payload, std::string project = "",
                        std::string content_type = "application/octet-stream");
  void SetCallerProject(std::string project);
  void ExpireSecret(const std::string& id);
  // false: the consumers API answers like a Barbican before Wallaby (Unimplemented).
  void SetConsumersSupported(bool supported);
  bool Exists(const std::string& id) const;
  size_t SecretCount() const;
  // What BarbicanTestClient's calls of the same names do, on the fake's secrets.
  absl::StatusOr<std::string> StoreSecret(const CallOptions& o, const StoreSecretRequest& request);
  absl::StatusOr<std::vector<SecretConsumer>> ListConsumers(const CallOptions& o,
                                                            const std::string& ref);
  CallLog& calls() { return calls_; }

  absl::StatusOr<SecretMetadata> GetSecret(const CallOptions& o, const std::string& ref) override;
  absl::StatusOr<SecureBytes> GetPayload(const CallOptions& o, const std::string& ref) override;
  absl::Status DeleteSecret(const CallOptions& o, const std::string& ref) override;
  absl::Status RegisterConsumer(const CallOptions& o, const std::string& ref,
                                const SecretConsumer& consumer) override;
  absl::Status UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                  const SecretConsumer& consumer) override;

 private:
  struct Entry {
    SecretMetadata metadata;
    SecureBytes payload;
    std::string project;
    bool expired = false;
    std::vector<SecretConsumer> consumers;
  };
  // The readable entry for `ref`, or the error the real service would give.
  absl::StatusOr<Entry*> Lookup(const std::string& ref, std::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  CallLog calls_;
  mutable absl::Mutex mu_;
  std::string caller_project_ ABSL_GUARDED_BY(mu_);
  bool consumers_supported_ ABSL_GUARDED_BY(mu_) = true;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, Entry> secrets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::openstack::testing
