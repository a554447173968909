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

namespace {

// "servers/<server_id><suffix>". Server IDs are CSI node IDs and volume IDs come from CSI
// requests: PathSegment refuses one that would address another resource (".." or "a/b")
// before anything is sent.
absl::StatusOr<std::string> ServerPath(std::string_view server_id, std::string_view suffix = "") {
  absl::StatusOr<std::string> server = PathSegment(server_id, "server id");
  if (!server.ok()) return Annotate(server.status(), "nova");
  return StrCat("servers/", *server, suffix);
}

absl::StatusOr<std::string> AttachmentPath(std::string_view server_id, std::string_view volume_id) {
  absl::StatusOr<std::string> volume = PathSegment(volume_id, "volume id");
  if (!volume.ok()) return Annotate(volume.status(), "nova");
  return ServerPath(server_id, StrCat("/os-volume_attachments/", *volume));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RestNovaClient>> RestNovaClient::Create(AuthenticatedClient* auth,
                                                                       NovaOptions options) {
  absl::StatusOr<Microversion> v = Microversion::Parse(options.microversion);
  if (!v.ok()) return Annotate(v.status(), "nova: default microversion");
  return std::unique_ptr<RestNovaClient>(new RestNovaClient(auth, *v));
}

absl::StatusOr<HttpRequest> RestNovaClient::Request(HttpMethod method, std::string_view path,
                                                    const CallOptions& o) {
  Microversion v = microversion_;
  if (!o.microversion.empty()) {
    absl::StatusOr<Microversion> parsed = Microversion::Parse(o.microversion);
    if (!parsed.ok()) return Annotate(parsed.status(), "nova");
    v = *parsed;
  }
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "nova");
  HttpRequest r = svc_.NewRequest(method, JoinUrl(*endpoint, path), o);
  // Both spellings: the legacy header is what Nova before Ocata understood.
  r.SetHeader("X-OpenStack-Nova-API-Version", v.ToString());
  r.SetHeader("OpenStack-API-Version", StrCat("compute ", v.ToString()));
  return r;
}

absl::StatusOr<Server> RestNovaClient::GetServer(const CallOptions& o, const std::string& id) {
  absl::StatusOr<std::string> path = ServerPath(id);
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, StrCat("get server ", id), {200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* server = json::Find(*doc, "server");
  if (server == nullptr) return absl::InternalError("nova: get server: no \"server\" in reply");
  return nova::ParseServer(*server);
}

absl::StatusOr<ServerVolumeAttachment> RestNovaClient::AttachVolume(const CallOptions& o,
                                                                    const std::string& server_id,
                                                                    const std::string& volume_id) {
  absl::StatusOr<std::string> path = ServerPath(server_id, "/os-volume_attachments");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kPost, *path, o);
  if (!r.ok()) return r.status();
  r->body = json::Body({{"volumeAttachment", {{"volumeId", volume_id}}}});
  r->SetHeader("Content-Type", "application/json");
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(*r, StrCat("attach volume ", volume_id, " to server ", server_id), {200, 202});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* a = json::Find(*doc, "volumeAttachment");
  if (a == nullptr) return absl::InternalError("nova: attach: no \"volumeAttachment\" in reply");
  return nova::ParseVolumeAttachment(*a);
}

absl::Status RestNovaClient::DetachVolume(const CallOptions& o, const std::string& server_id,
                                          const std::string& volume_id) {
  absl::StatusOr<std::string> path = AttachmentPath(server_id, volume_id);
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kDelete, *path, o);
  if (!r.ok()) return r.status();
  return svc_.Do(*r, StrCat("detach volume ", volume_id, " from server ", server_id), {202, 204})
      .status();
}

absl::StatusOr<std::vector<ServerVolumeAttachment>> RestNovaClient::ListVolumeAttachments(
    const CallOptions& o, const std::string& server_id) {
  absl::StatusOr<std::string> path = ServerPath(server_id, "/os-volume_attachments");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(*r, StrCat("list volume attachments of server ", server_id), {200});
  if (!doc.ok()) return doc.status();
  std::vector<ServerVolumeAttachment> out;
  if (const nlohmann::json* list = json::Find(*doc, "volumeAttachments");
      list && list->is_array()) {
    for (const nlohmann::json& a : *list) out.push_back(nova::ParseVolumeAttachment(a));
  }
  return out;
}

absl::StatusOr<ServerVolumeAttachment> RestNovaClient::GetVolumeAttachment(
    const CallOptions& o, const std::string& server_id, const std::string& volume_id) {
  absl::StatusOr<std::string> path = AttachmentPath(server_id, volume_id);
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(
      *r, StrCat("get attachment of volume ", volume_id, " to server ", server_id), {200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* a = json::Find(*doc, "volumeAttachment");
  if (a == nullptr) return absl::InternalError("nova: get attachment: no \"volumeAttachment\"");
  return nova::ParseVolumeAttachment(*a);
}

}  // namespace byok::openstack
