#include "openstack/http.h"

#include "openstack/absl_compat.h"

namespace byok::openstack {

std::string_view MethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kHead:
      return "HEAD";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

bool HttpRequest::IsIdempotent() const {
  if (idempotent.has_value()) return *idempotent;
  return method != HttpMethod::kPost && method != HttpMethod::kPatch;
}

void HttpRequest::SetHeader(std::string_view name, std::string_view value) {
  for (HttpHeader& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      h.value = std::string(value);
      return;
    }
  }
  headers.push_back({std::string(name), std::string(value)});
}

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

std::string_view HttpResponse::RequestId() const {
  std::string_view id = Header("x-openstack-request-id");
  if (id.empty()) id = Header("x-compute-request-id");
  return id;
}

void HttpStats::RecordRequest(std::string_view service, std::string_view host,
                              std::string_view method) {
  absl::MutexLock lock(&mu_);
  Counts& c = counts_[StrCat(service, " ", host)];
  ++c.requests;
  if (!method.empty()) ++c.requests_by_method[std::string(method)];
}

void HttpStats::RecordAttempt(std::string_view service, std::string_view host,
                              const absl::StatusOr<int>& status, bool is_retry) {
  absl::MutexLock lock(&mu_);
  Counts& c = counts_[StrCat(service, " ", host)];
  ++c.attempts;
  if (is_retry) ++c.retries;
  if (status.ok()) {
    ++c.by_status[*status];
  } else {
    ++c.transport_errors;
  }
}

std::map<std::string, HttpStats::Counts> HttpStats::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

HttpStats::Counts HttpStats::Total(std::string_view service) const {
  absl::MutexLock lock(&mu_);
  Counts total;
  for (const auto& [key, c] : counts_) {
    if (!service.empty() && key.substr(0, key.find(' ')) != service) continue;
    total.requests += c.requests;
    total.attempts += c.attempts;
    total.retries += c.retries;
    total.transport_errors += c.transport_errors;
    for (const auto& [code, n] : c.by_status) total.by_status[code] += n;
  }
  return total;
}

void HttpStats::Reset() {
  absl::MutexLock lock(&mu_);
  counts_.clear();
}

}  // namespace byok::openstack
