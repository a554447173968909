#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "openstack/http.h"

// The one place where HTTP and transport failures become absl::Status codes.
//
//   HTTP 400, 415        -> InvalidArgument (with the service's own message)
//   HTTP 401             -> Unauthenticated
//   HTTP 403             -> PermissionDenied
//   HTTP 404             -> NotFound
//   HTTP 405, 406, 501   -> Unimplemented (method or microversion not offered)
//   HTTP 409, 412        -> FailedPrecondition (callers may re-map to Aborted)
//   HTTP 413             -> ResourceExhausted (quota, Cinder's overLimit)
//   HTTP 429             -> Unavailable
//   HTTP 5xx             -> Unavailable
//   other 3xx/4xx        -> Unknown
//   transport failures   -> Unavailable (connect, reset, timeout, TLS)
//
// Every status built here carries payloads with the HTTP status and the request id, so a
// caller can tell a Cinder 409 from a local precondition failure and an operator can find
// the request in the service's log.
namespace byok::openstack {

inline constexpr char kHttpStatusPayload[] = "type.byok.dev/openstack.http_status";
inline constexpr char kRequestIdPayload[] = "type.byok.dev/openstack.request_id";
inline constexpr char kTransportPayload[] = "type.byok.dev/openstack.transport";

// How a request failed without an HTTP response; decides whether a retry is safe.
enum class TransportFailure {
  kNotSent,    // connect/resolve failed: the server never saw the request
  kAfterSend,  // connection lost after (part of) the request was sent
  kTimeout,    // the attempt timed out after the request was sent
  kTls,        // TLS handshake or certificate verification failed: retrying will not help
  kOther,      // anything else (bad URL, out of memory, ...)
};
std::string_view TransportFailureName(TransportFailure failure);

absl::StatusCode CodeForHttpStatus(int http_status);

// The human message a service put in an error body: Cinder/Nova {"badRequest":{"message"}},
// Keystone {"error":{"message"}}, Barbican {"title","description"}, or a short plain-text
// body. Single line, at most 512 characters; "" when the body has nothing usable.
std::string ServiceMessage(std::string_view body);

// A status for a non-2xx response. `what` names the operation ("create volume"), e.g.
// "cinder: create volume: HTTP 413: VolumeLimitExceeded: ... (request-id req-1)".
absl::Status HttpError(std::string_view service, std::string_view what,
                       const HttpResponse& response);

// A status for a failure with no HTTP response.
absl::Status TransportError(TransportFailure failure, std::string_view message,
                            absl::StatusCode code = absl::StatusCode::kUnavailable);

std::optional<int> HttpStatusOf(const absl::Status& status);
std::string RequestIdOf(const absl::Status& status);
std::optional<TransportFailure> TransportFailureOf(const absl::Status& status);

// Prefixes the message and keeps the code and payloads.
absl::Status Annotate(const absl::Status& status, std::string_view prefix);
// Replaces the message and keeps the code and payloads.
absl::Status WithMessage(const absl::Status& status, std::string message);

// Typed checks on top of absl::IsNotFound and friends.
inline bool IsHttpStatus(const absl::Status& s, int code) { return HttpStatusOf(s) == code; }
inline bool IsConflict(const absl::Status& s) { return IsHttpStatus(s, 409); }
inline bool IsQuotaExceeded(const absl::Status& s) { return absl::IsResourceExhausted(s); }

}  // namespace byok::openstack
