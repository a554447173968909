#include "openstack/rest_nova.h"

#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {

namespace nova {

Server ParseServer(const nlohmann::json& s) {
  Server out;
  out.id = json::String(s, "id");
  out.name = json::String(s, "name");
  out.status = json::String(s, "status");
  out.availability_zone = json::String(s, "OS-EXT-AZ:availability_zone");
  out.task_state = json::String(s, "OS-EXT-STS:task_state");
  out.vm_state = json::String(s, "OS-EXT-STS:vm_state");
  if (const nlohmann::json* fault = json::Find(s, "fault")) {
    out.fault_message = json::String(*fault, "message");
  }
  return out;
}

ServerVolumeAttachment ParseVolumeAttachment(const nlohmann::json& a) {
  return {json::String(a, "id"), json::String(a, "serverId"), json::String(a, "volumeId"),
          json::String(a, "device"), json::String(a, "attachment_id")};
}

}  // namespace nova

absl::StatusOr<std::unique_ptr<RestNovaClient>> RestNovaClient::Create(AuthenticatedClient* auth,
                                                                       NovaOptions options) {
  absl::StatusOr<Microversion> v = Microversion::Parse(options.microversion);
  if (!v.ok()) return Annotate(v.status(), "nova: default microversion");
  return std::unique_ptr<RestNovaClient>(new RestNovaClient(auth, *v));
}

absl::StatusOr<std::string> RestNovaClient::ServerPath(std::string_view server_id,
                                                       std::string_view suffix) {
  absl::StatusOr<std::string> server = PathSegment(server_id, "server id");
  if (!server.ok()) return Annotate(server.status(), "nova");
  return StrCat("servers/", *server, suffix);
}

absl::StatusOr<std::string> RestNovaClient::AttachmentPath(std::string_view server_id,
                                                           std::string_view volume_id) {
  absl::StatusOr<std::string> volume = PathSegment(volume_id, "volume id");
  if (!volume.ok()) return Annotate(volume.status(), "nova");
  return ServerPath(server_id, StrCat("/os-volume_attachments/", *volume));
}

absl::StatusOr<HttpRequest> RestNovaClient::Request(HttpMethod method,
                                                    const absl::StatusOr<std::string>& path,
                                                    const CallOptions& o) {
  if (!path.ok()) return path.status();
  Microversion v = microversion_;
  if (!o.microversion.empty()) {
    absl::StatusOr<Microversion> parsed = Microversion::Parse(o.microversion);
    if (!parsed.ok()) return Annotate(parsed.status(), "nova");
    v = *parsed;
  }
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "nova");
  HttpRequest r = svc_.NewRequest(method, JoinUrl(*endpoint, *path), o);
  // Both spellings: the legacy header is what Nova before Ocata understood.
  r.SetHeader("X-OpenStack-Nova-API-Version", v.ToString());
  r.SetHeader("OpenStack-API-Version", StrCat("compute ", v.ToString()));
  return r;
}

absl::StatusOr<Server> RestNovaClient::GetServer(const CallOptions& o, const std::string& id) {
  return svc_.Json(
      Request(HttpMethod::kGet, ServerPath(id), o), StrCat("get server ", id), {200},
      ParseMember("server", nova::ParseServer, "nova: get server: no \"server\" in reply"));
}

absl::StatusOr<ServerVolumeAttachment> RestNovaClient::AttachVolume(const CallOptions& o,
                                                                    const std::string& server_id,
                                                                    const std::string& volume_id) {
  return svc_.Json(
      WithJsonBody(Request(HttpMethod::kPost, ServerPath(server_id, "/os-volume_attachments"), o),
                   {{"volumeAttachment", {{"volumeId", volume_id}}}}),
      StrCat("attach volume ", volume_id, " to server ", server_id), {200, 202},
      ParseMember("volumeAttachment", nova::ParseVolumeAttachment,
                  "nova: attach: no \"volumeAttachment\" in reply"));
}

absl::Status RestNovaClient::DetachVolume(const CallOptions& o, const std::string& server_id,
                                          const std::string& volume_id) {
  return svc_.Call(Request(HttpMethod::kDelete, AttachmentPath(server_id, volume_id), o),
                   StrCat("detach volume ", volume_id, " from server ", server_id), {202, 204});
}

}  // namespace byok::openstack
