#include "openstack/testing/test_clients.h"

#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack::testing {

absl::StatusOr<std::unique_ptr<CinderTestClient>> CinderTestClient::Create(
    AuthenticatedClient* auth, CinderOptions options) {
  absl::StatusOr<Microversion> v = Microversion::Parse(options.microversion);
  if (!v.ok()) return Annotate(v.status(), "cinder: default microversion");
  return std::unique_ptr<CinderTestClient>(new CinderTestClient(auth, *v));
}

absl::StatusOr<std::map<std::string, QuotaUsage>> CinderTestClient::GetQuotaUsage(
    const CallOptions& o, const std::string& project_id) {
  return svc().Json(Request(HttpMethod::kGet,
                            ItemPath("os-quota-sets", project_id, "project id", "?usage=True"), o),
                    StrCat("get quota usage of project ", project_id), {200},
                    cinder::ParseQuotaUsage);
}

absl::Status CinderTestClient::UpdateQuota(const CallOptions& o, const std::string& project_id,
                                           const std::map<std::string, int64_t>& limits) {
  return svc().Call(WithJsonBody(Request(HttpMethod::kPut,
                                         ItemPath("os-quota-sets", project_id, "project id"), o),
                                 {{"quota_set", limits}}),
                    StrCat("update quota of project ", project_id), {200});
}

absl::StatusOr<std::vector<VolumeType>> CinderTestClient::ListVolumeTypes(const CallOptions& o) {
  return svc().Json(Request(HttpMethod::kGet, "types", o), "list volume types", {200},
                    [](const nlohmann::json& doc) {
                      return json::Items(doc, "volume_types", cinder::ParseVolumeType);
                    });
}

absl::StatusOr<VolumeType> CinderTestClient::GetVolumeType(const CallOptions& o,
                                                           const std::string& id) {
  return svc().Json(Request(HttpMethod::kGet, ItemPath("types", id, "volume type"), o),
                    StrCat("get volume type ", id), {200},
                    ParseMember("volume_type", cinder::ParseVolumeType,
                                "cinder: get volume type: no \"volume_type\""));
}

absl::StatusOr<VolumeTypeEncryption> CinderTestClient::GetVolumeTypeEncryption(
    const CallOptions& o, const std::string& type_id) {
  return svc().Json(
      Request(HttpMethod::kGet, ItemPath("types", type_id, "volume type", "/encryption"), o),
      StrCat("get encryption of volume type ", type_id), {200}, cinder::ParseVolumeTypeEncryption);
}

absl::StatusOr<std::vector<Attachment>> CinderTestClient::ListAttachments(
    const CallOptions& o, const std::string& volume_id) {
  std::string path = "attachments";
  if (!volume_id.empty()) StrAppend(&path, "?volume_id=", UrlEncode(volume_id));
  return svc().Json(Request(HttpMethod::kGet, path, o, kCinderNewAttach), "list attachments", {200},
                    [](const nlohmann::json& doc) {
                      return json::Items(doc, "attachments", cinder::ParseAttachment);
                    });
}

absl::StatusOr<std::unique_ptr<BarbicanTestClient>> BarbicanTestClient::Of(BarbicanClient& client) {
  auto* rest = dynamic_cast<RestBarbicanClient*>(&client);
  if (rest == nullptr) {
    return absl::FailedPreconditionError("barbican: not a RestBarbicanClient");
  }
  return std::make_unique<BarbicanTestClient>(rest->auth());
}

absl::StatusOr<std::string> BarbicanTestClient::StoreSecret(const CallOptions& o,
                                                            const StoreSecretRequest& request) {
  if (request.payload.empty()) {
    return absl::InvalidArgumentError("barbican: store secret: the payload is empty");
  }
  absl::StatusOr<HttpRequest> r = SecretsRequest(HttpMethod::kPost, o);
  if (r.ok()) {
    r->SetHeader("Content-Type", "application/json");
    r->body = barbican::StoreSecretBody(request);
  }
  return svc().Json(std::move(r), StrCat("store secret \"", request.name, "\""), {201, 200},
                    [](const nlohmann::json& doc) -> absl::StatusOr<std::string> {
                      absl::StatusOr<std::string> id =
                          barbican::ParseSecretRef(json::String(doc, "secret_ref"));
                      if (!id.ok()) return Annotate(id.status(), "barbican: store secret: reply");
                      return id;
                    });
}

absl::StatusOr<std::vector<SecretConsumer>> BarbicanTestClient::ListConsumers(
    const CallOptions& o, const std::string& ref) {
  absl::StatusOr<SecretRequest> call = ForSecret(HttpMethod::kGet, o, ref, "consumers");
  if (!call.ok()) return call.status();
  call->request.SetHeader("OpenStack-API-Version", kConsumersVersion);
  absl::StatusOr<std::vector<SecretConsumer>> consumers = svc().Json(
      std::move(call->request), StrCat("list consumers of secret ", call->id), {200},
      [](const nlohmann::json& doc) {
        return json::Items(doc, "consumers", [](const nlohmann::json& c) {
          return SecretConsumer{json::String(c, "service"), json::String(c, "resource_type"),
                                json::String(c, "resource_id")};
        });
      });
  if (!consumers.ok()) return ConsumersUnsupportedOr(o, call->id, consumers.status());
  return consumers;
}

absl::StatusOr<std::unique_ptr<NovaTestClient>> NovaTestClient::Create(AuthenticatedClient* auth,
                                                                       NovaOptions options) {
  absl::StatusOr<Microversion> v = Microversion::Parse(options.microversion);
  if (!v.ok()) return Annotate(v.status(), "nova: default microversion");
  return std::unique_ptr<NovaTestClient>(new NovaTestClient(auth, *v));
}

absl::StatusOr<std::vector<ServerVolumeAttachment>> NovaTestClient::ListVolumeAttachments(
    const CallOptions& o, const std::string& server_id) {
  return svc().Json(Request(HttpMethod::kGet, ServerPath(server_id, "/os-volume_attachments"), o),
                    StrCat("list volume attachments of server ", server_id), {200},
                    [](const nlohmann::json& doc) {
                      return json::Items(doc, "volumeAttachments", nova::ParseVolumeAttachment);
                    });
}

absl::StatusOr<ServerVolumeAttachment> NovaTestClient::GetVolumeAttachment(
    const CallOptions& o, const std::string& server_id, const std::string& volume_id) {
  return svc().Json(Request(HttpMethod::kGet, AttachmentPath(server_id, volume_id), o),
                    StrCat("get attachment of volume ", volume_id, " to server ", server_id), {200},
                    ParseMember("volumeAttachment", nova::ParseVolumeAttachment,
                                "nova: get attachment: no \"volumeAttachment\""));
}

}  // namespace byok::openstack::testing
