#include "openstack/rest_cinder.h"

#include "openstack/absl_compat.h"
#include "openstack/cinder_json.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {
using Metadata = std::map<std::string, std::string>;

namespace {

// "<collection>/<id><suffix>". IDs come from CSI requests and Cinder responses: PathSegment
// refuses one that would address another resource (GET volumes/.. is the volume list)
// before anything is sent.
absl::StatusOr<std::string> ItemPath(std::string_view collection, std::string_view id,
                                     std::string_view what, std::string_view suffix = "") {
  absl::StatusOr<std::string> segment = PathSegment(id, what);
  if (!segment.ok()) return Annotate(segment.status(), "cinder");
  return StrCat(collection, "/", *segment, suffix);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RestCinderClient>> RestCinderClient::Create(
    AuthenticatedClient* auth, CinderOptions options) {
  absl::StatusOr<Microversion> v = Microversion::Parse(options.microversion);
  if (!v.ok()) return Annotate(v.status(), "cinder: default microversion");
  return std::unique_ptr<RestCinderClient>(new RestCinderClient(auth, *v));
}

absl::StatusOr<Microversion> RestCinderClient::VersionFor(const CallOptions& o,
                                                          std::string_view at_least) const {
  Microversion v = microversion_;
  if (!o.microversion.empty()) {
    absl::StatusOr<Microversion> parsed = Microversion::Parse(o.microversion);
    if (!parsed.ok()) return Annotate(parsed.status(), "cinder");
    v = *parsed;
  }
  if (!at_least.empty()) v = std::max(v, *Microversion::Parse(at_least));
  return v;
}

absl::StatusOr<HttpRequest> RestCinderClient::Request(HttpMethod method, std::string_view path,
                                                      const CallOptions& o, Microversion version) {
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "cinder");
  HttpRequest r = svc_.NewRequest(method, JoinUrl(*endpoint, path), o);
  r.SetHeader("OpenStack-API-Version", StrCat("volume ", version.ToString()));
  return r;
}

absl::StatusOr<Volume> RestCinderClient::CreateVolume(const CallOptions& o,
                                                      const CreateVolumeRequest& request) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<nlohmann::json> body = cinder::CreateVolumeBody(request, *v);
  if (!body.ok()) return body.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kPost, "volumes", o, *v);
  if (!r.ok()) return r.status();
  r->body = json::Body(*body);
  r->SetHeader("Content-Type", "application/json");
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(*r, StrCat("create volume \"", request.name, "\""), {202, 200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* volume = json::Find(*doc, "volume");
  if (volume == nullptr)
    return absl::InternalError("cinder: create volume: no \"volume\" in reply");
  Volume parsed = cinder::ParseVolume(*volume);
  if (parsed.id.empty() || parsed.name != request.name) {
    return absl::InternalError(StrCat("cinder: create volume \"", request.name,
                                      "\" answered with volume \"", PrintablePrefix(parsed.id),
                                      "\" named \"", PrintablePrefix(parsed.name), "\""));
  }
  return parsed;
}

absl::StatusOr<Volume> RestCinderClient::GetVolume(const CallOptions& o, const std::string& id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, StrCat("get volume ", id), {200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* volume = json::Find(*doc, "volume");
  if (volume == nullptr) return absl::InternalError("cinder: get volume: no \"volume\" in reply");
  Volume parsed = cinder::ParseVolume(*volume);
  // Every later decision (owner, key, attachments) is about this ID: another volume in the
  // reply is an error, never an answer.
  if (parsed.id != id) {
    return absl::InternalError(StrCat("cinder: get volume ", id, " answered with volume \"",
                                      PrintablePrefix(parsed.id), "\""));
  }
  return parsed;
}

absl::StatusOr<VolumePage> RestCinderClient::ListVolumes(const CallOptions& o,
                                                         const ListRequest& request) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<HttpRequest> r =
      Request(HttpMethod::kGet, "volumes/detail" + cinder::ListQuery(request, false), o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, "list volumes", {200});
  if (!doc.ok()) return doc.status();
  VolumePage page;
  if (const nlohmann::json* list = json::Find(*doc, "volumes"); list && list->is_array()) {
    for (const nlohmann::json& item : *list) page.volumes.push_back(cinder::ParseVolume(item));
  }
  page.next_marker = cinder::NextMarker(*doc, "volumes_links");
  return page;
}

absl::Status RestCinderClient::DeleteVolume(const CallOptions& o, const std::string& id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kDelete, *path, o, *v);
  if (!r.ok()) return r.status();
  return svc_.Do(*r, StrCat("delete volume ", id), {202, 204}).status();
}

absl::Status RestCinderClient::ExtendVolume(const CallOptions& o, const std::string& id,
                                            int64_t new_size_gib) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id", "/action");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kPost, *path, o, *v);
  if (!r.ok()) return r.status();
  r->body = json::Body({{"os-extend", {{"new_size", new_size_gib}}}});
  r->SetHeader("Content-Type", "application/json");
  return svc_.Do(*r, StrCat("extend volume ", id, " to ", new_size_gib, " GiB"), {202}).status();
}

absl::StatusOr<Metadata> RestCinderClient::MetadataCall(HttpMethod method, const std::string& path,
                                                        const CallOptions& o,
                                                        const Metadata* metadata,
                                                        std::string_view what) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<HttpRequest> r = Request(method, path, o, *v);
  if (!r.ok()) return r.status();
  if (metadata != nullptr) {
    r->body = json::Body({{"metadata", *metadata}});
    r->SetHeader("Content-Type", "application/json");
    // POST .../metadata merges keys: repeating it gives the same result.
    r->idempotent = true;
  }
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, what, {200});
  if (!doc.ok()) return doc.status();
  return json::StringMap(*doc, "metadata");
}

absl::Status RestCinderClient::DeleteMetadataKey(const std::string& base_path, const CallOptions& o,
                                                 const std::string& key, std::string_view what) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  if (absl::StatusOr<std::string> segment = PathSegment(key, "metadata key"); segment.ok()) {
    absl::StatusOr<HttpRequest> r =
        Request(HttpMethod::kDelete, StrCat(base_path, "/metadata/", *segment), o, *v);
    if (!r.ok()) return r.status();
    return svc_.Do(*r, what, {200, 204}).status();
  }
  // WSGI decodes %2F before routing, so Cinder cannot address a key with a '/' (such as
  // csi.storage.k8s.io/pvc/name): DELETE answers 404. Nor can a URL address "." or "..":
  // DELETE .../metadata/.. resolves to DELETE of the volume itself. Rewrite the whole set
  // instead. For volumes the Etag (>= 3.15) guards against a concurrent change, which Cinder
  // then answers with 412 (FailedPrecondition); snapshot metadata has no Etag.
  Microversion with_etag = std::max(*v, *Microversion::Parse("3.15"));
  absl::StatusOr<HttpRequest> get =
      Request(HttpMethod::kGet, StrCat(base_path, "/metadata"), o, with_etag);
  if (!get.ok()) return get.status();
  absl::StatusOr<HttpResponse> current = svc_.Do(*get, what, {200});
  if (!current.ok()) return current.status();
  absl::StatusOr<nlohmann::json> doc = json::Parse(current->BodyView(), StrCat("cinder: ", what));
  if (!doc.ok()) return doc.status();
  Metadata metadata = json::StringMap(*doc, "metadata");
  if (metadata.erase(key) == 0) {
    return absl::NotFoundError(StrCat("cinder: ", what, ": no such metadata key"));
  }
  absl::StatusOr<HttpRequest> put =
      Request(HttpMethod::kPut, StrCat(base_path, "/metadata"), o, with_etag);
  if (!put.ok()) return put.status();
  put->body = json::Body({{"metadata", metadata}});
  put->SetHeader("Content-Type", "application/json");
  std::string etag(current->Header("etag"));
  if (!etag.empty()) put->SetHeader("If-Match", etag);
  return svc_.Do(*put, what, {200}).status();
}

absl::StatusOr<Metadata> RestCinderClient::GetVolumeMetadata(const CallOptions& o,
                                                             const std::string& id) {
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id", "/metadata");
  if (!path.ok()) return path.status();
  return MetadataCall(HttpMethod::kGet, *path, o, nullptr, StrCat("get metadata of volume ", id));
}

absl::StatusOr<Metadata> RestCinderClient::UpdateVolumeMetadata(const CallOptions& o,
                                                                const std::string& id,
                                                                const Metadata& metadata) {
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id", "/metadata");
  if (!path.ok()) return path.status();
  return MetadataCall(HttpMethod::kPost, *path, o, &metadata,
                      StrCat("update metadata of volume ", id));
}

absl::Status RestCinderClient::DeleteVolumeMetadataKey(const CallOptions& o, const std::string& id,
                                                       const std::string& key) {
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id");
  if (!path.ok()) return path.status();
  return DeleteMetadataKey(*path, o, key,
                           StrCat("delete metadata key \"", key, "\" of volume ", id));
}

absl::StatusOr<EncryptionMetadata> RestCinderClient::GetVolumeEncryption(const CallOptions& o,
                                                                         const std::string& id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("volumes", id, "volume id", "/encryption");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(*r, StrCat("get encryption metadata of volume ", id), {200});
  if (!doc.ok()) return doc.status();
  return cinder::ParseEncryptionMetadata(*doc);
}

absl::StatusOr<Snapshot> RestCinderClient::CreateSnapshot(const CallOptions& o,
                                                          const CreateSnapshotRequest& request) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kPost, "snapshots", o, *v);
  if (!r.ok()) return r.status();
  r->body = json::Body(cinder::CreateSnapshotBody(request, *v));
  r->SetHeader("Content-Type", "application/json");
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(
      *r, StrCat("create snapshot \"", request.name, "\" of volume ", request.volume_id),
      {202, 200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* snapshot = json::Find(*doc, "snapshot");
  if (snapshot == nullptr) {
    return absl::InternalError("cinder: create snapshot: no \"snapshot\" in reply");
  }
  return cinder::ParseSnapshot(*snapshot);
}

absl::StatusOr<Snapshot> RestCinderClient::GetSnapshot(const CallOptions& o,
                                                       const std::string& id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("snapshots", id, "snapshot id");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, StrCat("get snapshot ", id), {200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* snapshot = json::Find(*doc, "snapshot");
  if (snapshot == nullptr) return absl::InternalError("cinder: get snapshot: no \"snapshot\"");
  Snapshot parsed = cinder::ParseSnapshot(*snapshot);
  if (parsed.id != id) {
    return absl::InternalError(StrCat("cinder: get snapshot ", id, " answered with snapshot \"",
                                      PrintablePrefix(parsed.id), "\""));
  }
  return parsed;
}

absl::StatusOr<SnapshotPage> RestCinderClient::ListSnapshots(const CallOptions& o,
                                                             const ListRequest& request) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<HttpRequest> r =
      Request(HttpMethod::kGet, "snapshots/detail" + cinder::ListQuery(request, true), o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, "list snapshots", {200});
  if (!doc.ok()) return doc.status();
  SnapshotPage page;
  if (const nlohmann::json* list = json::Find(*doc, "snapshots"); list && list->is_array()) {
    for (const nlohmann::json& item : *list) page.snapshots.push_back(cinder::ParseSnapshot(item));
  }
  page.next_marker = cinder::NextMarker(*doc, "snapshots_links");
  return page;
}

absl::Status RestCinderClient::DeleteSnapshot(const CallOptions& o, const std::string& id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("snapshots", id, "snapshot id");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kDelete, *path, o, *v);
  if (!r.ok()) return r.status();
  return svc_.Do(*r, StrCat("delete snapshot ", id), {202, 204}).status();
}

absl::StatusOr<Metadata> RestCinderClient::GetSnapshotMetadata(const CallOptions& o,
                                                               const std::string& id) {
  absl::StatusOr<std::string> path = ItemPath("snapshots", id, "snapshot id", "/metadata");
  if (!path.ok()) return path.status();
  return MetadataCall(HttpMethod::kGet, *path, o, nullptr, StrCat("get metadata of snapshot ", id));
}

absl::StatusOr<Metadata> RestCinderClient::UpdateSnapshotMetadata(const CallOptions& o,
                                                                  const std::string& id,
                                                                  const Metadata& metadata) {
  absl::StatusOr<std::string> path = ItemPath("snapshots", id, "snapshot id", "/metadata");
  if (!path.ok()) return path.status();
  return MetadataCall(HttpMethod::kPost, *path, o, &metadata,
                      StrCat("update metadata of snapshot ", id));
}

absl::Status RestCinderClient::DeleteSnapshotMetadataKey(const CallOptions& o,
                                                         const std::string& id,
                                                         const std::string& key) {
  absl::StatusOr<std::string> path = ItemPath("snapshots", id, "snapshot id");
  if (!path.ok()) return path.status();
  return DeleteMetadataKey(*path, o, key,
                           StrCat("delete metadata key \"", key, "\" of snapshot ", id));
}

absl::StatusOr<Limits> RestCinderClient::GetLimits(const CallOptions& o) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, "limits", o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, "get limits", {200});
  if (!doc.ok()) return doc.status();
  return cinder::ParseLimits(*doc);
}

absl::StatusOr<std::map<std::string, QuotaUsage>> RestCinderClient::GetQuotaUsage(
    const CallOptions& o, const std::string& project_id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path =
      ItemPath("os-quota-sets", project_id, "project id", "?usage=True");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(*r, StrCat("get quota usage of project ", project_id), {200});
  if (!doc.ok()) return doc.status();
  return cinder::ParseQuotaUsage(*doc);
}

absl::Status RestCinderClient::UpdateQuota(const CallOptions& o, const std::string& project_id,
                                           const std::map<std::string, int64_t>& limits) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("os-quota-sets", project_id, "project id");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kPut, *path, o, *v);
  if (!r.ok()) return r.status();
  r->body = json::Body({{"quota_set", limits}});
  r->SetHeader("Content-Type", "application/json");
  return svc_.Do(*r, StrCat("update quota of project ", project_id), {200}).status();
}

absl::StatusOr<std::vector<VolumeType>> RestCinderClient::ListVolumeTypes(const CallOptions& o) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, "types", o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, "list volume types", {200});
  if (!doc.ok()) return doc.status();
  std::vector<VolumeType> types;
  if (const nlohmann::json* list = json::Find(*doc, "volume_types"); list && list->is_array()) {
    for (const nlohmann::json& item : *list) types.push_back(cinder::ParseVolumeType(item));
  }
  return types;
}

absl::StatusOr<VolumeType> RestCinderClient::GetVolumeType(const CallOptions& o,
                                                           const std::string& id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("types", id, "volume type");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, StrCat("get volume type ", id), {200});
  if (!doc.ok()) return doc.status();
  const nlohmann::json* type = json::Find(*doc, "volume_type");
  if (type == nullptr) return absl::InternalError("cinder: get volume type: no \"volume_type\"");
  return cinder::ParseVolumeType(*type);
}

absl::StatusOr<VolumeTypeEncryption> RestCinderClient::GetVolumeTypeEncryption(
    const CallOptions& o, const std::string& type_id) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<std::string> path = ItemPath("types", type_id, "volume type", "/encryption");
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, *path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc =
      svc_.DoJson(*r, StrCat("get encryption of volume type ", type_id), {200});
  if (!doc.ok()) return doc.status();
  return cinder::ParseVolumeTypeEncryption(*doc);
}

absl::StatusOr<std::vector<Attachment>> RestCinderClient::ListAttachments(
    const CallOptions& o, const std::string& volume_id) {
  absl::StatusOr<Microversion> v = VersionFor(o, kCinderNewAttach);
  if (!v.ok()) return v.status();
  std::string path = "attachments";
  if (!volume_id.empty()) StrAppend(&path, "?volume_id=", UrlEncode(volume_id));
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, "list attachments", {200});
  if (!doc.ok()) return doc.status();
  std::vector<Attachment> out;
  if (const nlohmann::json* list = json::Find(*doc, "attachments"); list && list->is_array()) {
    for (const nlohmann::json& item : *list) out.push_back(cinder::ParseAttachment(item));
  }
  return out;
}

absl::StatusOr<std::vector<UserMessage>> RestCinderClient::ListMessages(
    const CallOptions& o, const std::string& resource_uuid) {
  absl::StatusOr<Microversion> v = VersionFor(o, "3.3");
  if (!v.ok()) return v.status();
  std::string path = "messages";
  if (!resource_uuid.empty()) StrAppend(&path, "?resource_uuid=", UrlEncode(resource_uuid));
  absl::StatusOr<HttpRequest> r = Request(HttpMethod::kGet, path, o, *v);
  if (!r.ok()) return r.status();
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(*r, "list messages", {200});
  if (!doc.ok()) return doc.status();
  std::vector<UserMessage> out;
  if (const nlohmann::json* list = json::Find(*doc, "messages"); list && list->is_array()) {
    for (const nlohmann::json& item : *list) out.push_back(cinder::ParseUserMessage(item));
  }
  return out;
}

absl::StatusOr<ApiVersion> RestCinderClient::GetApiVersion(const CallOptions& o) {
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "cinder");
  HttpRequest r = svc_.NewRequest(HttpMethod::kGet, cinder::VersionRoot(*endpoint), o);
  // The root answers 300 Multiple Choices with the version list.
  absl::StatusOr<nlohmann::json> doc = svc_.DoJson(r, "get API versions", {200, 300});
  if (!doc.ok()) return doc.status();
  return cinder::ParseApiVersion(*doc);
}

}  // namespace byok::openstack
