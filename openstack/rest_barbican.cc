#include "openstack/rest_barbican.h"

#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {
namespace {

// The consumers API exists from key-manager microversion 1.1 (Wallaby).
constexpr char kConsumersVersion[] = "key-manager 1.1";

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

absl::StatusOr<std::string> RestBarbicanClient::SecretsUrl(const CallOptions& o,
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
  return url;
}

absl::StatusOr<SecretMetadata> RestBarbicanClient::GetSecret(const CallOptions& o,
                                                             const std::string& ref) {
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  absl::StatusOr<std::string> url = SecretsUrl(o, *id);
  if (!url.ok()) return url.status();
  HttpRequest r = svc_.NewRequest(HttpMethod::kGet, *url, o);
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(r, StrCat("get metadata of secret ", *id), {200});
  if (!doc.ok()) return Explain(doc.status(), *id);
  SecretMetadata m = barbican::ParseSecretMetadata(*doc);
  if (m.id.empty()) m.id = *id;
  return m;
}

absl::StatusOr<SecureBytes> RestBarbicanClient::GetPayload(const CallOptions& o,
                                                           const std::string& ref) {
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  absl::StatusOr<std::string> url = SecretsUrl(o, *id, "payload");
  if (!url.ok()) return url.status();
  HttpRequest r = svc_.NewRequest(HttpMethod::kGet, *url, o);
  // Explicit: libcurl would send */*, which makes Barbican answer in the stored content
  // type instead of raw bytes.
  r.SetHeader("Accept", "application/octet-stream");
  absl::StatusOr<HttpResponse> response = svc_.Do(r, StrCat("get payload of secret ", *id), {200});
  if (!response.ok()) return Explain(response.status(), *id);
  if (response->body.empty()) {
    return absl::FailedPreconditionError(StrCat("barbican: secret ", *id, " has an empty payload"));
  }
  return std::move(response->body);
}

absl::StatusOr<std::string> RestBarbicanClient::StoreSecret(const CallOptions& o,
                                                            const StoreSecretRequest& request) {
  if (request.payload.empty()) {
    return absl::InvalidArgumentError("barbican: store secret: the payload is empty");
  }
  absl::StatusOr<std::string> url = SecretsUrl(o);
  if (!url.ok()) return url.status();
  HttpRequest r = svc_.NewRequest(HttpMethod::kPost, *url, o);
  r.SetHeader("Content-Type", "application/json");
  r.body = barbican::StoreSecretBody(request);
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(r, StrCat("store secret \"", request.name, "\""), {201, 200});
  if (!doc.ok()) return doc.status();
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(json::String(*doc, "secret_ref"));
  if (!id.ok()) return Annotate(id.status(), "barbican: store secret: reply");
  return id;
}

absl::Status RestBarbicanClient::DeleteSecret(const CallOptions& o, const std::string& ref) {
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  absl::StatusOr<std::string> url = SecretsUrl(o, *id);
  if (!url.ok()) return url.status();
  HttpRequest r = svc_.NewRequest(HttpMethod::kDelete, *url, o);
  absl::Status s = svc_.Do(r, StrCat("delete secret ", *id), {204, 200}).status();
  return s.ok() ? s : Explain(s, *id);
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
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  absl::StatusOr<std::string> url = SecretsUrl(o, *id, "consumers");
  if (!url.ok()) return url.status();
  HttpRequest r = svc_.NewRequest(method, *url, o);
  r.SetHeader("OpenStack-API-Version", kConsumersVersion);
  r.SetHeader("Content-Type", "application/json");
  r.body = json::Body({{"service", consumer.service},
                       {"resource_type", consumer.resource_type},
                       {"resource_id", consumer.resource_id}});
  // Registering the same consumer twice leaves one registration.
  r.idempotent = true;
  absl::Status s = svc_.Do(r,
                           StrCat(what, " ", consumer.resource_type, " ", consumer.resource_id,
                                  " on secret ", *id),
                           {200, 201, 204})
                       .status();
  return s.ok() ? s : ConsumersUnsupportedOr(o, *id, s);
}

absl::Status RestBarbicanClient::RegisterConsumer(const CallOptions& o, const std::string& ref,
                                                  const SecretConsumer& consumer) {
  return ConsumerCall(HttpMethod::kPost, o, ref, consumer, "register consumer");
}

absl::Status RestBarbicanClient::UnregisterConsumer(const CallOptions& o, const std::string& ref,
                                                    const SecretConsumer& consumer) {
  return ConsumerCall(HttpMethod::kDelete, o, ref, consumer, "unregister consumer");
}

absl::StatusOr<std::vector<SecretConsumer>> RestBarbicanClient::ListConsumers(
    const CallOptions& o, const std::string& ref) {
  absl::StatusOr<std::string> id = barbican::ParseSecretRef(ref);
  if (!id.ok()) return Annotate(id.status(), "barbican");
  absl::StatusOr<std::string> url = SecretsUrl(o, *id, "consumers");
  if (!url.ok()) return url.status();
  HttpRequest r = svc_.NewRequest(HttpMethod::kGet, *url, o);
  r.SetHeader("OpenStack-API-Version", kConsumersVersion);
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(r, StrCat("list consumers of secret ", *id), {200});
  if (!doc.ok()) return ConsumersUnsupportedOr(o, *id, doc.status());
  std::vector<SecretConsumer> out;
  if (const nlohmann::json* list = json::Find(*doc, "consumers"); list && list->is_array()) {
    for (const nlohmann::json& c : *list) {
      out.push_back({json::String(c, "service"), json::String(c, "resource_type"),
                     json::String(c, "resource_id")});
    }
  }
  return out;
}

}  // namespace byok::openstack
