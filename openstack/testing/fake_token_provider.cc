#include "openstack/testing/fake_token_provider.h"

#include "openstack/absl_compat.h"

namespace byok::openstack::testing {

FakeTokenProvider::FakeTokenProvider(Endpoints endpoints, std::string project_id)
    : endpoints_(std::move(endpoints)), project_id_(std::move(project_id)) {}

absl::StatusOr<std::shared_ptr<const AuthSession>> FakeTokenProvider::GetSession(absl::Time) {
  absl::MutexLock lock(&mu_);
  ++get_calls_;
  if (!fail_next_.ok()) {
    absl::Status s = fail_next_;
    fail_next_ = absl::OkStatus();
    return s;
  }
  if (session_ == nullptr) {
    ++auth_calls_;
    auto s = std::make_shared<AuthSession>();
    s->token = SecureBytes::FromView(StrCat("fake-token-", auth_calls_));
    s->issued_at = absl::Now();
    s->expires_at = s->issued_at + absl::Hours(1);
    s->local_expiry = s->expires_at;
    s->refresh_at = s->expires_at - absl::Minutes(2);
    s->user_id = "fake-user";
    s->project_id = project_id_;
    s->project_name = "fake";
    s->roles = {"member", "reader"};
    s->endpoint_overrides = endpoints_;
    session_ = std::move(s);
  }
  return session_;
}

void FakeTokenProvider::Invalidate(const AuthSession* stale) {
  absl::MutexLock lock(&mu_);
  ++invalidations_;
  if (session_ != nullptr && (stale == nullptr || stale == session_.get())) session_.reset();
}

void FakeTokenProvider::FailNext(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_next_ = std::move(status);
}

int FakeTokenProvider::get_calls() const {
  absl::MutexLock lock(&mu_);
  return get_calls_;
}

int FakeTokenProvider::invalidations() const {
  absl::MutexLock lock(&mu_);
  return invalidations_;
}

int FakeTokenProvider::auth_calls() const {
  absl::MutexLock lock(&mu_);
  return auth_calls_;
}

}  // namespace byok::openstack::testing
