#include "openstack/testing/fake_http.h"

#include "openstack/absl_compat.h"

namespace byok::openstack::testing {

std::string_view FakeHttpClient::Recorded::Header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

void FakeHttpClient::On(HttpMethod method, std::string url_contains, Reply reply, int times) {
  absl::MutexLock lock(&mu_);
  rules_.push_back({method, std::move(url_contains), std::move(reply), std::nullopt, times});
}

void FakeHttpClient::OnFailure(HttpMethod method, std::string url_contains,
                               TransportFailure failure, int times) {
  absl::MutexLock lock(&mu_);
  rules_.push_back({method, std::move(url_contains), {}, failure, times});
}

void FakeHttpClient::Clear() {
  absl::MutexLock lock(&mu_);
  rules_.clear();
  requests_.clear();
}

absl::StatusOr<HttpResponse> FakeHttpClient::Send(const HttpRequest& request) {
  absl::MutexLock lock(&mu_);
  requests_.push_back({request.method, request.url, request.headers, request.auth_token.Clone(),
                       request.body.Clone(), request.IsIdempotent(), request.deadline,
                       request.service});
  for (Rule& rule : rules_) {
    if (rule.method != request.method || rule.remaining == 0) continue;
    if (request.url.find(rule.url_contains) == std::string::npos) continue;
    if (rule.remaining > 0) --rule.remaining;
    if (rule.failure.has_value()) {
      return TransportError(*rule.failure, StrCat("fake transport failure for ", request.url));
    }
    HttpResponse response;
    response.status = rule.reply.status;
    response.body = SecureBytes::FromView(rule.reply.body);
    response.headers = rule.reply.headers;
    for (HttpHeader& h : response.headers) h.name = ToLower(h.name);
    response.subject_token = SecureBytes::FromView(rule.reply.subject_token);
    return response;
  }
  return absl::InternalError(
      StrCat("fake http: no rule for ", MethodName(request.method), " ", request.url));
}

size_t FakeHttpClient::RequestCount() const {
  absl::MutexLock lock(&mu_);
  return requests_.size();
}

FakeHttpClient::Recorded FakeHttpClient::Request(size_t i) const {
  absl::MutexLock lock(&mu_);
  const Recorded& r = requests_.at(i);
  return {r.method,       r.url,        r.headers,  r.auth_token.Clone(),
          r.body.Clone(), r.idempotent, r.deadline, r.service};
}

int FakeHttpClient::CountMatching(HttpMethod method, std::string_view url_contains) const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const Recorded& r : requests_) {
    if (r.method == method && r.url.find(url_contains) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace byok::openstack::testing
