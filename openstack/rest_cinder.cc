#include "openstack/rest_cinder.h"

#include "openstack/absl_compat.h"
#include "openstack/cinder_json.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {
using Metadata = std::map<std::string, std::string>;

absl::StatusOr<std::unique_ptr<RestCinderClient>> RestCinderClient::Create(
    AuthenticatedClient* auth, CinderOptions options) {
  absl::StatusOr<Microversion> v = Microversion::Parse(options.microversion);
  if (!v.ok()) return Annotate(v.status(), "cinder: default microversion");
  return std::unique_ptr<RestCinderClient>(new RestCinderClient(auth, *v));
}

absl::StatusOr<std::string> RestCinderClient::ItemPath(std::string_view collection,
                                                       std::string_view id, std::string_view what,
                                                       std::string_view suffix) {
  absl::StatusOr<std::string> segment = PathSegment(id, what);
  if (!segment.ok()) return Annotate(segment.status(), "cinder");
  return StrCat(collection, "/", *segment, suffix);
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

absl::StatusOr<HttpRequest> RestCinderClient::RequestAt(Microversion version, HttpMethod method,
                                                        std::string_view path,
                                                        const CallOptions& o) {
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "cinder");
  HttpRequest r = svc_.NewRequest(method, JoinUrl(*endpoint, path), o);
  r.SetHeader("OpenStack-API-Version", StrCat("volume ", version.ToString()));
  return r;
}

absl::StatusOr<HttpRequest> RestCinderClient::Request(HttpMethod method,
                                                      const absl::StatusOr<std::string>& path,
                                                      const CallOptions& o,
                                                      std::string_view at_least) {
  absl::StatusOr<Microversion> v = VersionFor(o, at_least);
  if (!v.ok()) return v.status();
  if (!path.ok()) return path.status();
  return RequestAt(*v, method, *path, o);
}

absl::StatusOr<Volume> RestCinderClient::CreateVolume(const CallOptions& o,
                                                      const CreateVolumeRequest& request) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  absl::StatusOr<nlohmann::json> body = cinder::CreateVolumeBody(request, *v);
  if (!body.ok()) return body.status();
  absl::StatusOr<Volume> volume = svc_.Json(
      WithJsonBody(RequestAt(*v, HttpMethod::kPost, "volumes", o), *body),
      StrCat("create volume \"", request.name, "\""), {202, 200},
      ParseMember("volume", cinder::ParseVolume, "cinder: create volume: no \"volume\" in reply"));
  if (volume.ok() && (volume->id.empty() || volume->name != request.name)) {
    return absl::InternalError(StrCat("cinder: create volume \"", request.name,
                                      "\" answered with volume \"", PrintablePrefix(volume->id),
                                      "\" named \"", PrintablePrefix(volume->name), "\""));
  }
  return volume;
}

absl::StatusOr<Volume> RestCinderClient::GetVolume(const CallOptions& o, const std::string& id) {
  absl::StatusOr<Volume> volume = svc_.Json(
      Request(HttpMethod::kGet, ItemPath("volumes", id, "volume id"), o), StrCat("get volume ", id),
      {200},
      ParseMember("volume", cinder::ParseVolume, "cinder: get volume: no \"volume\" in reply"));
  // Every later decision (owner, key, attachments) is about this ID: another volume in the
  // reply is an error, never an answer.
  if (volume.ok() && volume->id != id) {
    return absl::InternalError(StrCat("cinder: get volume ", id, " answered with volume \"",
                                      PrintablePrefix(volume->id), "\""));
  }
  return volume;
}

absl::StatusOr<VolumePage> RestCinderClient::ListVolumes(const CallOptions& o,
                                                         const ListRequest& request) {
  return svc_.Json(
      Request(HttpMethod::kGet, "volumes/detail" + cinder::ListQuery(request, false), o),
      "list volumes", {200}, [](const nlohmann::json& doc) {
        return VolumePage{json::Items(doc, "volumes", cinder::ParseVolume),
                          cinder::NextMarker(doc, "volumes_links")};
      });
}

absl::Status RestCinderClient::DeleteVolume(const CallOptions& o, const std::string& id) {
  return svc_.Call(Request(HttpMethod::kDelete, ItemPath("volumes", id, "volume id"), o),
                   StrCat("delete volume ", id), {202, 204});
}

absl::Status RestCinderClient::ExtendVolume(const CallOptions& o, const std::string& id,
                                            int64_t new_size_gib) {
  return svc_.Call(
      WithJsonBody(Request(HttpMethod::kPost, ItemPath("volumes", id, "volume id", "/action"), o),
                   {{"os-extend", {{"new_size", new_size_gib}}}}),
      StrCat("extend volume ", id, " to ", new_size_gib, " GiB"), {202});
}

absl::StatusOr<Metadata> RestCinderClient::MetadataCall(HttpMethod method,
                                                        const absl::StatusOr<std::string>& path,
                                                        const CallOptions& o,
                                                        const Metadata* metadata,
                                                        std::string_view what) {
  if (!path.ok()) return path.status();
  absl::StatusOr<HttpRequest> r = Request(method, path, o);
  if (r.ok() && metadata != nullptr) {
    r = WithJsonBody(std::move(r), {{"metadata", *metadata}});
    // POST .../metadata merges keys: repeating it gives the same result.
    r->idempotent = true;
  }
  return svc_.Json(std::move(r), what, {200},
                   [](const nlohmann::json& doc) { return json::StringMap(doc, "metadata"); });
}

absl::Status RestCinderClient::DeleteMetadataKey(const absl::StatusOr<std::string>& base_path,
                                                 const CallOptions& o, const std::string& key,
                                                 std::string_view what) {
  if (!base_path.ok()) return base_path.status();
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  if (absl::StatusOr<std::string> segment = PathSegment(key, "metadata key"); segment.ok()) {
    return svc_.Call(
        RequestAt(*v, HttpMethod::kDelete, StrCat(*base_path, "/metadata/", *segment), o), what,
        {200, 204});
  }
  // WSGI decodes %2F before routing, so Cinder cannot address a key with a '/' (such as
  // csi.storage.k8s.io/pvc/name): DELETE answers 404. Nor can a URL address "." or "..":
  // DELETE .../metadata/.. resolves to DELETE of the volume itself. Rewrite the whole set
  // instead. For volumes the Etag (>= 3.15) guards against a concurrent change, which Cinder
  // then answers with 412 (FailedPrecondition); snapshot metadata has no Etag.
  Microversion with_etag = std::max(*v, *Microversion::Parse("3.15"));
  absl::StatusOr<HttpRequest> get =
      RequestAt(with_etag, HttpMethod::kGet, StrCat(*base_path, "/metadata"), o);
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
      WithJsonBody(RequestAt(with_etag, HttpMethod::kPut, StrCat(*base_path, "/metadata"), o),
                   {{"metadata", metadata}});
  if (!put.ok()) return put.status();
  std::string etag(current->Header("etag"));
  if (!etag.empty()) put->SetHeader("If-Match", etag);
  return svc_.Call(std::move(put), what, {200});
}

absl::StatusOr<Metadata> RestCinderClient::GetVolumeMetadata(const CallOptions& o,
                                                             const std::string& id) {
  return MetadataCall(HttpMethod::kGet, ItemPath("volumes", id, "volume id", "/metadata"), o,
                      nullptr, StrCat("get metadata of volume ", id));
}

absl::StatusOr<Metadata> RestCinderClient::UpdateVolumeMetadata(const CallOptions& o,
                                                                const std::string& id,
                                                                const Metadata& metadata) {
  return MetadataCall(HttpMethod::kPost, ItemPath("volumes", id, "volume id", "/metadata"), o,
                      &metadata, StrCat("update metadata of volume ", id));
}

absl::Status RestCinderClient::DeleteVolumeMetadataKey(const CallOptions& o, const std::string& id,
                                                       const std::string& key) {
  return DeleteMetadataKey(ItemPath("volumes", id, "volume id"), o, key,
                           StrCat("delete metadata key \"", key, "\" of volume ", id));
}

absl::StatusOr<EncryptionMetadata> RestCinderClient::GetVolumeEncryption(const CallOptions& o,
                                                                         const std::string& id) {
  return svc_.Json(
      Request(HttpMethod::kGet, ItemPath("volumes", id, "volume id", "/encryption"), o),
      StrCat("get encryption metadata of volume ", id), {200}, cinder::ParseEncryptionMetadata);
}

absl::StatusOr<Snapshot> RestCinderClient::CreateSnapshot(const CallOptions& o,
                                                          const CreateSnapshotRequest& request) {
  absl::StatusOr<Microversion> v = VersionFor(o);
  if (!v.ok()) return v.status();
  return svc_.Json(WithJsonBody(RequestAt(*v, HttpMethod::kPost, "snapshots", o),
                                cinder::CreateSnapshotBody(request, *v)),
                   StrCat("create snapshot \"", request.name, "\" of volume ", request.volume_id),
                   {202, 200},
                   ParseMember("snapshot", cinder::ParseSnapshot,
                               "cinder: create snapshot: no \"snapshot\" in reply"));
}

absl::StatusOr<Snapshot> RestCinderClient::GetSnapshot(const CallOptions& o,
                                                       const std::string& id) {
  absl::StatusOr<Snapshot> snapshot = svc_.Json(
      Request(HttpMethod::kGet, ItemPath("snapshots", id, "snapshot id"), o),
      StrCat("get snapshot ", id), {200},
      ParseMember("snapshot", cinder::ParseSnapshot, "cinder: get snapshot: no \"snapshot\""));
  if (snapshot.ok() && snapshot->id != id) {
    return absl::InternalError(StrCat("cinder: get snapshot ", id, " answered with snapshot \"",
                                      PrintablePrefix(snapshot->id), "\""));
  }
  return snapshot;
}

absl::StatusOr<SnapshotPage> RestCinderClient::ListSnapshots(const CallOptions& o,
                                                             const ListRequest& request) {
  return svc_.Json(
      Request(HttpMethod::kGet, "snapshots/detail" + cinder::ListQuery(request, true), o),
      "list snapshots", {200}, [](const nlohmann::json& doc) {
        return SnapshotPage{json::Items(doc, "snapshots", cinder::ParseSnapshot),
                            cinder::NextMarker(doc, "snapshots_links")};
      });
}

absl::Status RestCinderClient::DeleteSnapshot(const CallOptions& o, const std::string& id) {
  return svc_.Call(Request(HttpMethod::kDelete, ItemPath("snapshots", id, "snapshot id"), o),
                   StrCat("delete snapshot ", id), {202, 204});
}

absl::StatusOr<Metadata> RestCinderClient::GetSnapshotMetadata(const CallOptions& o,
                                                               const std::string& id) {
  return MetadataCall(HttpMethod::kGet, ItemPath("snapshots", id, "snapshot id", "/metadata"), o,
                      nullptr, StrCat("get metadata of snapshot ", id));
}

absl::StatusOr<Metadata> RestCinderClient::UpdateSnapshotMetadata(const CallOptions& o,
                                                                  const std::string& id,
                                                                  const Metadata& metadata) {
  return MetadataCall(HttpMethod::kPost, ItemPath("snapshots", id, "snapshot id", "/metadata"), o,
                      &metadata, StrCat("update metadata of snapshot ", id));
}

absl::Status RestCinderClient::DeleteSnapshotMetadataKey(const CallOptions& o,
                                                         const std::string& id,
                                                         const std::string& key) {
  return DeleteMetadataKey(ItemPath("snapshots", id, "snapshot id"), o, key,
                           StrCat("delete metadata key \"", key, "\" of snapshot ", id));
}

absl::StatusOr<Limits> RestCinderClient::GetLimits(const CallOptions& o) {
  return svc_.Json(Request(HttpMethod::kGet, "limits", o), "get limits", {200},
                   cinder::ParseLimits);
}

absl::StatusOr<std::vector<UserMessage>> RestCinderClient::ListMessages(
    const CallOptions& o, const std::string& resource_uuid) {
  std::string path = "messages";
  if (!resource_uuid.empty()) StrAppend(&path, "?resource_uuid=", UrlEncode(resource_uuid));
  return svc_.Json(Request(HttpMethod::kGet, path, o, "3.3"), "list messages", {200},
                   [](const nlohmann::json& doc) {
                     return json::Items(doc, "messages", cinder::ParseUserMessage);
                   });
}

absl::StatusOr<ApiVersion> RestCinderClient::GetApiVersion(const CallOptions& o) {
  absl::StatusOr<std::string> endpoint = svc_.Endpoint(o.deadline);
  if (!endpoint.ok()) return Annotate(endpoint.status(), "cinder");
  // The root answers 300 Multiple Choices with the version list.
  return svc_.Json(svc_.NewRequest(HttpMethod::kGet, cinder::VersionRoot(*endpoint), o),
                   "get API versions", {200, 300}, cinder::ParseApiVersion);
}

}  // namespace byok::openstack
