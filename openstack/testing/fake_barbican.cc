#include "openstack/testing/fake_barbican.h"

#include "openstack/absl_compat.h"
#include "openstack/errors.h"

namespace byok::openstack::testing {
namespace {
constexpr uint32_t kSecretPrefix = 0x5ec00000;
}  // namespace

std::string FakeBarbican::AddSecret(SecureBytes payload, std::string project,
                                    std::string content_type) {
  absl::MutexLock lock(&mu_);
  Entry e;
  e.metadata.id = FakeUuid(kSecretPrefix, next_id_++);
  e.metadata.secret_ref = StrCat("http://barbican.fake/v1/secrets/", e.metadata.id);
  e.metadata.status = "ACTIVE";
  e.metadata.secret_type = "symmetric";
  e.metadata.algorithm = "aes";
  e.metadata.bit_length = static_cast<int>(payload.size() * 8);
  e.metadata.content_types["default"] = std::move(content_type);
  e.payload = std::move(payload);
  e.project = project.empty() ? caller_project_ : std::move(project);
  std::string id = e.metadata.id;
  secrets_[id] = std::move(e);
  return id;
}

void FakeBarbican::SetCallerProject(std::string project) {
  absl::MutexLock lock(&mu_);
  caller_project_ = std::move(project);
}

void FakeBarbican::ExpireSecret(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = secrets_.find(id);
  if (it != secrets_.end()) it->second.expired = true;
}

void FakeBarbican::SetConsumersSupported(bool supported) {
  absl::MutexLock lock(&mu_);
  consumers_supported_ = supported;
}

bool FakeBarbican::Exists(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return secrets_.count(id) > 0;
}

size_t FakeBarbican::SecretCount() const {
  absl::MutexLock lock(&mu_);
  return secrets_.size();
}

absl::StatusOr<FakeBarbican::Entry*> FakeBarbican::Lookup(const std::string& ref,
                                                          std::string_view what) {
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  auto it = secrets_.find(*id);
  if (it == secrets_.end() || it->second.expired) {
    return Annotate(FakeHttpError("barbican", StrCat(what, " ", *id), 404, "Secret not found."),
                    StrCat("secret ", *id, " is missing or expired"));
  }
  if (it->second.project != caller_project_) {
    return Annotate(
        FakeHttpError("barbican", StrCat(what, " ", *id), 403,
                      "Forbidden: Secret retrieval attempt not allowed - please review your "
                      "user/project privileges"),
        StrCat("not allowed to read secret ", *id));
  }
  return &it->second;
}

absl::StatusOr<SecretMetadata> FakeBarbican::GetSecret(const CallOptions& o,
                                                       const std::string& ref) {
  if (absl::Status s = calls_.Enter("GetSecret"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Lookup(ref, "get metadata of secret");
  if (!e.ok()) return e.status();
  return (*e)->metadata;
}

absl::StatusOr<SecureBytes> FakeBarbican::GetPayload(const CallOptions& o, const std::string& ref) {
  if (absl::Status s = calls_.Enter("GetPayload"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Lookup(ref, "get payload of secret");
  if (!e.ok()) return e.status();
  return (*e)->payload.Clone();
}

absl::StatusOr<std::string> FakeBarbican::StoreSecret(const CallOptions& o,
                                                      const StoreSecretRequest& request) {
  if (absl::Status s = calls_.Enter("StoreSecret"); !s.ok()) return s;
  if (request.payload.empty()) {
    return absl::InvalidArgumentError("barbican: store secret: the payload is empty");
  }
  std::string id = AddSecret(request.payload.Clone());
  absl::MutexLock lock(&mu_);
  Entry& e = secrets_[id];
  e.metadata.name = request.name;
  e.metadata.secret_type = request.secret_type;
  e.metadata.algorithm = request.algorithm;
  e.metadata.bit_length = request.bit_length;
  e.metadata.mode = request.mode;
  e.metadata.expiration = request.expiration;
  return id;
}

absl::Status FakeBarbican::DeleteSecret(const CallOptions& o, const std::string& ref) {
  if (absl::Status s = calls_.Enter("DeleteSecret"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> e = Lookup(ref, "delete secret");
  if (!e.ok()) return e.status();
  secrets_.erase((*e)->metadata.id);
  return absl::OkStatus();
}

absl::Status FakeBarbican::RegisterConsumer(const CallOptions& o, const std::string& ref,
                                            const SecretConsumer& consumer) {
  if (absl::Status s = calls_.Enter("RegisterConsumer"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (!consumers_supported_) {
    return absl::UnimplementedError("barbican: this Barbican does not offer secret consumers");
  }
  absl::StatusOr<Entry*> e = Lookup(ref, "register consumer on secret");
  if (!e.ok()) return e.status();
  std::vector<SecretConsumer>& list = (*e)->consumers;
  if (std::find(list.begin(), list.end(), consumer) == list.end()) list.push_back(consumer);
  return absl::OkStatus();
}

absl::Status FakeBarbican::UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                              const SecretConsumer& consumer) {
  if (absl::Status s = calls_.Enter("UnregisterConsumer"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (!consumers_supported_) {
    return absl::UnimplementedError("barbican: this Barbican does not offer secret consumers");
  }
  absl::StatusOr<Entry*> e = Lookup(ref, "unregister consumer on secret");
  if (!e.ok()) return e.status();
  std::vector<SecretConsumer>& list = (*e)->consumers;
  auto it = std::find(list.begin(), list.end(), consumer);
  if (it == list.end()) {
    return FakeHttpError("barbican", "unregister consumer", 404, "Consumer not found.");
  }
  list.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SecretConsumer>> FakeBarbican::ListConsumers(const CallOptions& o,
                                                                        const std::string& ref) {
  if (absl::Status s = calls_.Enter("ListConsumers"); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (!consumers_supported_) {
    return absl::UnimplementedError("barbican: this Barbican does not offer secret consumers");
  }
  absl::StatusOr<Entry*> e = Lookup(ref, "list consumers of secret");
  if (!e.ok()) return e.status();
  return (*e)->consumers;
}

}  // namespace byok::openstack::testing
