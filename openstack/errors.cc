#include "openstack/errors.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "openstack/absl_compat.h"
#include "openstack/json_util.h"

namespace byok::openstack {
namespace {

constexpr size_t kMaxMessage = 512;

// One line, bounded: error bodies end up in gRPC messages and Kubernetes events.
std::string Tidy(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        static_cast<unsigned char>(c) < 0x20) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= kMaxMessage) {
      out.append("...");
      break;
    }
  }
  return out;
}

std::string StringField(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string MessageFromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) return {};
  // Barbican (pecan): {"code": 404, "title": "Not Found", "description": "..."}.
  std::string description = StringField(doc, "description");
  std::string title = StringField(doc, "title");
  if (!description.empty()) {
    return title.empty() ? description : StrCat(title, ": ", description);
  }
  // Keystone {"error": {...}}, Cinder/Nova {"badRequest": {...}}, Neutron
  // {"NeutronError": {...}}: one wrapper object holding a "message".
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_object()) continue;
    std::string message = StringField(value, "message");
    if (message.empty()) continue;
    std::string inner_title = StringField(value, "title");
    return inner_title.empty() || key != "error" ? message : StrCat(inner_title, ": ", message);
  }
  std::string message = StringField(doc, "message");
  if (!message.empty()) return message;
  return title;
}

// Cinder's and Nova's schema errors echo the whole request object between " Value: " and
// the reason ("Invalid input for field/attribute volume. Value: {...}. Additional properties
// are not allowed (...)"). The echo says nothing the caller does not know and would push the
// reason past the length bound, so it is dropped.
std::string DropEchoedValue(std::string message) {
  constexpr std::string_view kValue = " Value: {";
  size_t start = message.find(kValue);
  if (start == std::string::npos) return message;
  size_t end = message.rfind("}. ");
  if (end == std::string::npos || end < start) return message;
  return message.erase(start, end + 2 - start);
}

}  // namespace

std::string_view TransportFailureName(TransportFailure failure) {
  switch (failure) {
    case TransportFailure::kNotSent:
      return "not-sent";
    case TransportFailure::kAfterSend:
      return "after-send";
    case TransportFailure::kTimeout:
      return "timeout";
    case TransportFailure::kTls:
      return "tls";
    case TransportFailure::kOther:
      return "other";
  }
  return "other";
}

absl::StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
    case 415:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 405:
    case 406:
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 409:
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 413:
      return absl::StatusCode::kResourceExhausted;
    case 429:
      return absl::StatusCode::kUnavailable;
    default:
      break;
  }
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  if (http_status >= 500 && http_status < 600) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kUnknown;
}

std::string ServiceMessage(std::string_view body) {
  std::string_view trimmed = StripWhitespace(body);
  if (trimmed.empty()) return {};
  if (trimmed.front() == '{') {
    // json::Parse bounds the nesting of this hostile body as of every other; a body it
    // refuses is shown as (tidied, bounded) text like any other non-JSON body.
    absl::StatusOr<nlohmann::json> doc = json::Parse(trimmed, "error body");
    if (doc.ok()) return Tidy(DropEchoedValue(MessageFromJson(*doc)));
  }
  if (trimmed.front() == '<') return {};  // an HTML error page says nothing useful
  return Tidy(trimmed);
}

absl::Status HttpError(std::string_view service, std::string_view what,
                       const HttpResponse& response) {
  absl::StatusCode code = CodeForHttpStatus(response.status);
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kUnknown;
  std::string message = StrCat(service, ": ", what, ": HTTP ", response.status);
  std::string detail = ServiceMessage(response.BodyView());
  if (!detail.empty()) StrAppend(&message, ": ", detail);
  std::string_view request_id = response.RequestId();
  if (!request_id.empty()) StrAppend(&message, " (request-id ", request_id, ")");
  absl::Status status(code, message);
  status.SetPayload(kHttpStatusPayload, absl::Cord(StrCat(response.status)));
  if (!request_id.empty())
    status.SetPayload(kRequestIdPayload, absl::Cord(std::string(request_id)));
  return status;
}

absl::Status TransportError(TransportFailure failure, std::string_view message,
                            absl::StatusCode code) {
  absl::Status status(code, std::string(message));
  status.SetPayload(kTransportPayload, absl::Cord(std::string(TransportFailureName(failure))));
  return status;
}

std::optional<int> HttpStatusOf(const absl::Status& status) {
  auto payload = status.GetPayload(kHttpStatusPayload);
  int code = 0;
  if (!payload || !ParseInt(std::string(*payload), &code)) return std::nullopt;
  return code;
}

std::string RequestIdOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRequestIdPayload);
  return payload ? std::string(*payload) : std::string();
}

std::optional<TransportFailure> TransportFailureOf(const absl::Status& status) {
  auto payload = status.GetPayload(kTransportPayload);
  if (!payload) return std::nullopt;
  std::string name(*payload);
  for (TransportFailure f : {TransportFailure::kNotSent, TransportFailure::kAfterSend,
                             TransportFailure::kTimeout, TransportFailure::kTls}) {
    if (name == TransportFailureName(f)) return f;
  }
  return TransportFailure::kOther;
}

absl::Status Annotate(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  return WithMessage(status, StrCat(prefix, ": ", status.message()));
}

absl::Status WithMessage(const absl::Status& status, std::string message) {
  if (status.ok()) return status;
  absl::Status out(status.code(), message);
  status.ForEachPayload(
      [&out](absl::string_view type, const absl::Cord& value) { out.SetPayload(type, value); });
  return out;
}

}  // namespace byok::openstack
