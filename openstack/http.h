#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/secure_bytes.h"

// The HTTP seam between the OpenStack clients and the network. Everything above it
// (Keystone, Cinder, Nova, Barbican) talks to an HttpClient, so unit tests substitute a
// scripted fake and the real transport (curl_http.h) stays in one place.
namespace byok::openstack {

enum class HttpMethod { kGet, kHead, kPost, kPut, kPatch, kDelete };
std::string_view MethodName(HttpMethod method);

struct HttpHeader {
  std::string name;
  std::string value;
};

// A request. Move-only because the auth token and the body may be secrets: a Keystone
// password, a Barbican key payload. Neither is ever logged; only `headers` (which must
// not carry secrets) and the URL with its query values redacted are.
struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;
  std::vector<HttpHeader> headers;
  // Sent as X-Auth-Token when non-empty.
  SecureBytes auth_token;
  SecureBytes body;
  // Derived by the caller from the gRPC deadline; no attempt or retry goes past it.
  absl::Time deadline = absl::InfiniteFuture();
  // Unset: GET, HEAD, PUT and DELETE are idempotent; POST and PATCH are not. A caller may
  // mark a POST idempotent when repeating it is harmless (Keystone auth, read-only actions).
  std::optional<bool> idempotent;
  // Label for logs and counters, e.g. "cinder".
  std::string service;

  bool IsIdempotent() const;
  void SetHeader(std::string_view name, std::string_view value);
};

struct HttpResponse {
  int status = 0;
  // Names lowercased. Tokens (X-Subject-Token) are never stored here.
  std::vector<HttpHeader> headers;
  SecureBytes body;
  // Keystone's X-Subject-Token response header, the only secret a response header carries.
  SecureBytes subject_token;
  // The first attempt is 1; retries add to it.
  int attempts = 1;
  absl::Duration duration;

  // The value of the first header with this name (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
  // x-openstack-request-id, or x-compute-request-id (Nova), or "".
  std::string_view RequestId() const;
  std::string_view BodyView() const { return body.view(); }
  bool Ok() const { return status >= 200 && status < 300; }
};

// Counts HTTP traffic so tests and benchmarks can assert how many calls an operation made.
// Thread-safe. Keys are "service host", e.g. "cinder 127.0.0.1:8776".
class HttpStats {
 public:
  struct Counts {
    int64_t requests = 0;                               // logical requests (retries not included)
    std::map<std::string, int64_t> requests_by_method;  // the same, by HTTP method
    int64_t attempts = 0;  // requests put on the wire, including retries
    int64_t retries = 0;
    int64_t transport_errors = 0;  // attempts that got no HTTP status
    std::map<int, int64_t> by_status;
  };

  void RecordRequest(std::string_view service, std::string_view host, std::string_view method = "");
  void RecordAttempt(std::string_view service, std::string_view host,
                     const absl::StatusOr<int>& status, bool is_retry);
  std::map<std::string, Counts> Snapshot() const;
  // The sum over all keys whose service label equals `service` ("" = all).
  Counts Total(std::string_view service = "") const;
  void Reset();

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Counts> counts_ ABSL_GUARDED_BY(mu_);
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a response, not an error: callers map statuses with errors.h.
  // Errors are transport failures (Unavailable, with a TransportFailure payload) or a
  // deadline that passed before anything could be sent (DeadlineExceeded).
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace byok::openstack
