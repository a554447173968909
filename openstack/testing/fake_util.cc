#include "openstack/testing/fake_util.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "openstack/errors.h"
#include "openstack/http.h"

namespace byok::openstack::testing {

absl::Status FakeHttpError(std::string_view service, std::string_view what, int http_status,
                           std::string_view message) {
  HttpResponse response;
  response.status = http_status;
  response.body = SecureBytes::FromView(
      nlohmann::json{{"fakeError", {{"code", http_status}, {"message", std::string(message)}}}}
          .dump());
  response.headers.push_back({"x-openstack-request-id", "req-fake"});
  return HttpError(service, what, response);
}

absl::Status CallLog::Enter(std::string_view method) {
  absl::MutexLock lock(&mu_);
  auto count = counts_.find(method);
  if (count == counts_.end()) count = counts_.emplace(std::string(method), 0).first;
  ++count->second;
  auto it = failures_.find(method);
  if (it == failures_.end()) return absl::OkStatus();
  absl::Status s = it->second;
  failures_.erase(it);
  return s;
}

void CallLog::FailNext(std::string_view method, absl::Status status) {
  absl::MutexLock lock(&mu_);
  failures_.emplace(std::string(method), std::move(status));
}

int CallLog::Count(std::string_view method) const {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(method);
  return it == counts_.end() ? 0 : it->second;
}

int CallLog::Total() const {
  absl::MutexLock lock(&mu_);
  int total = 0;
  for (const auto& [m, n] : counts_) total += n;
  return total;
}

void CallLog::Reset() {
  absl::MutexLock lock(&mu_);
  counts_.clear();
  failures_.clear();
}

std::string FakeUuid(uint32_t prefix, uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-0000-4000-8000-%012llx", prefix,
                static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace byok::openstack::testing
