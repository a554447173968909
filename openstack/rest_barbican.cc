#include "openstack/rest_barbican.h"

#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {
namespace {

// Rewrites 404/403 into messages a tenant can act on; code and payloads are kept.
absl::Status Explain(absl::Status error, std::string_view id) {
  if (absl::IsNotFound(error)) {
    return Annotate(error, StrCat("secret ", id, " is missing or expired"));
  }
  if (absl::IsPermissionDenied(error)) {
    return Annotate(error, StrCat("not allowed to read secret ", id,
                                  " (it belongs to another project, or the credential "
                                  "lacks a reader/creator role or read ACL)"));
  }
  return error;
}

}  // namespace

absl::StatusOr<HttpRequest> RestBarbicanClient::SecretsRequest(HttpMethod method,
                                                               const CallOptions& o,
                                                               std::string_view id,
                                                               std::string_view suffix) {
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "barbican");
  std::string base = *endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  // Catalogs register Barbican with or without the /v1 suffix.
  if (!EndsWith(base, "/v1")) base += "/v1";
  std::string url = JoinUrl(base, "secrets");
  if (!id.empty()) {
    // Callers pass a UUID from ParseSecretRef; checked again here, where the path is built.
    absl::StatusOr<std::string> segment = PathSegment(id, "secret id");
    if (!segment.ok()) return Annotate(segment.status(), "barbican");
    url = JoinUrl(url, *segment);
  }
  if (!suffix.empty()) url = JoinUrl(url, suffix);
  return svc_.NewRequest(method, std::move(url), o);
}

absl::StatusOr<RestBarbicanClient::SecretRequest> RestBarbicanClient::ForSecret(
    HttpMethod method, const CallOptions& o, const std::string& ref, std::string_view suffix) {
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  absl::StatusOr<HttpRequest> request = SecretsRequest(method, o, *id, suffix);
  if (!request.ok()) return request.status();
  return SecretRequest{*std::move(id), *std::move(request)};
}

absl::StatusOr<SecretMetadata> RestBarbicanClient::GetSecret(const CallOptions& o,
                                                             const std::string& ref) {
  absl::StatusOr<SecretRequest> call = ForSecret(HttpMethod::kGet, o, ref);
  if (!call.ok()) return call.status();
  absl::StatusOr<SecretMetadata> m =
      svc_.Json(std::move(call->request), StrCat("get metadata of secret ", call->id), {200},
                barbican::ParseSecretMetadata);
  if (!m.ok()) return Explain(m.status(), call->id);
  if (m->id.empty()) m->id = call->id;
  return m;
}

absl::StatusOr<SecureBytes> RestBarbicanClient::GetPayload(const CallOptions& o,
                                                           const std::string& ref) {
  absl::StatusOr<SecretRequest> call = ForSecret(HttpMethod::kGet, o, ref, "payload");
  if (!call.ok()) return call.status();
  // Explicit: libcurl would send */*, which makes Barbican answer in the stored content
  // type instead of raw bytes.
  call->request.SetHeader("Accept", "application/octet-stream");
  absl::StatusOr<HttpResponse> response =
      svc_.Do(call->request, StrCat("get payload of secret ", call->id), {200});
  if (!response.ok()) return Explain(response.status(), call->id);
  if (response->body.empty()) {
    return absl::FailedPreconditionError(
        StrCat("barbican: secret ", call->id, " has an empty payload"));
  }
  return std::move(response->body);
}

absl::Status RestBarbicanClient::DeleteSecret(const CallOptions& o, const std::string& ref) {
  absl::StatusOr<SecretRequest> call = ForSecret(HttpMethod::kDelete, o, ref);
  if (!call.ok()) return call.status();
  absl::Status s =
      svc_.Call(std::move(call->request), StrCat("delete secret ", call->id), {204, 200});
  return s.ok() ? s : Explain(s, call->id);
}

absl::Status RestBarbicanClient::ConsumersUnsupportedOr(const CallOptions& o, const std::string& id,
                                                        absl::Status error) {
  std::optional<int> http = HttpStatusOf(error);
  if (http == 405 || http == 406) {
    return absl::UnimplementedError(
        StrCat("barbican: this Barbican does not offer secret consumers (", error.message(), ")"));
  }
  if (http == 404) {
    // Either the secret is gone or the route is: the secret's metadata tells which.
    absl::StatusOr<SecretMetadata> secret = GetSecret(o, id);
    if (secret.ok()) {
      return absl::UnimplementedError(StrCat(
          "barbican: this Barbican does not offer secret consumers (", error.message(), ")"));
    }
    return Explain(error, id);
  }
  return Explain(error, id);
}

absl::Status RestBarbicanClient::ConsumerCall(HttpMethod method, const CallOptions& o,
                                              const std::string& ref,
                                              const SecretConsumer& consumer,
                                              std::string_view what) {
  absl::StatusOr<SecretRequest> call = ForSecret(method, o, ref, "consumers");
  if (!call.ok()) return call.status();
  call->request.SetHeader("OpenStack-API-Version", kConsumersVersion);
  absl::StatusOr<HttpRequest> r =
      WithJsonBody(std::move(call->request), {{"service", consumer.service},
                                              {"resource_type", consumer.resource_type},
                                              {"resource_id", consumer.resource_id}});
  // Registering the same consumer twice leaves one registration.
  r->idempotent = true;
  absl::Status s = svc_.Call(
      std::move(r),
      StrCat(what, " ", consumer.resource_type, " ", consumer.resource_id, " on secret ", call->id),
      {200, 201, 204});
  return s.ok() ? s : ConsumersUnsupportedOr(o, call->id, s);
}

absl::Status RestBarbicanClient::RegisterConsumer(const CallOptions& o, const std::string& ref,
                                                  const SecretConsumer& consumer) {
  return ConsumerCall(HttpMethod::kPost, o, ref, consumer, "register consumer");
}

absl::Status RestBarbicanClient::UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                                    const SecretConsumer& consumer) {
  return ConsumerCall(HttpMethod::kDelete, o, ref, consumer, "unregister consumer");
}

}  // namespace byok::openstack
