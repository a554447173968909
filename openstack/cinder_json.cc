#include "openstack/cinder_json.h"

#include "absl/strings/str_join.h"
#include "openstack/absl_compat.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {

bool ApiVersion::Supports(std::string_view microversion) const {
  absl::StatusOr<Microversion> want = Microversion::Parse(microversion);
  absl::StatusOr<Microversion> max = Microversion::Parse(max_version);
  // An empty max version means the service has no microversions at all.
  if (!want.ok() || !max.ok()) return false;
  absl::StatusOr<Microversion> min = Microversion::Parse(min_version);
  return *want <= *max && (!min.ok() || *min <= *want);
}

namespace cinder {

Volume ParseVolume(const nlohmann::json& v) {
  Volume out;
  out.id = json::String(v, "id");
  out.name = json::String(v, "name");
  out.description = json::String(v, "description");
  out.status = json::String(v, "status");
  out.size_gib = json::Int(v, "size");
  out.availability_zone = json::String(v, "availability_zone");
  out.volume_type = json::String(v, "volume_type");
  out.metadata = json::StringMap(v, "metadata");
  out.encrypted = json::Bool(v, "encrypted");
  out.bootable = json::Bool(v, "bootable");
  out.multiattach = json::Bool(v, "multiattach");
  out.snapshot_id = json::String(v, "snapshot_id");
  out.source_volid = json::String(v, "source_volid");
  out.encryption_key_id = json::String(v, "encryption_key_id");
  out.created_at = json::String(v, "created_at");
  out.updated_at = json::String(v, "updated_at");
  if (const nlohmann::json* list = json::Find(v, "attachments"); list && list->is_array()) {
    for (const nlohmann::json& a : *list) {
      out.attachments.push_back({json::String(a, "server_id"), json::String(a, "attachment_id"),
                                 json::String(a, "device"), json::String(a, "host_name")});
    }
  }
  return out;
}

Snapshot ParseSnapshot(const nlohmann::json& s) {
  Snapshot out;
  out.id = json::String(s, "id");
  out.name = json::String(s, "name");
  out.description = json::String(s, "description");
  out.volume_id = json::String(s, "volume_id");
  out.status = json::String(s, "status");
  out.size_gib = json::Int(s, "size");
  out.metadata = json::StringMap(s, "metadata");
  out.created_at = json::String(s, "created_at");
  return out;
}

EncryptionMetadata ParseEncryptionMetadata(const nlohmann::json& doc) {
  // The body is flat, with no wrapper object (cinder/db/sqlalchemy/api.py).
  EncryptionMetadata out;
  out.encryption_key_id = json::String(doc, "encryption_key_id");
  out.provider = json::String(doc, "provider");
  out.cipher = json::String(doc, "cipher");
  out.key_size = static_cast<int>(json::Int(doc, "key_size"));
  out.control_location = json::String(doc, "control_location");
  return out;
}

Limits ParseLimits(const nlohmann::json& doc) {
  Limits out;
  const nlohmann::json* limits = json::Find(doc, "limits");
  const nlohmann::json* absolute = limits ? json::Find(*limits, "absolute") : nullptr;
  if (absolute == nullptr) return out;
  out.max_total_volumes = json::Int(*absolute, "maxTotalVolumes", -1);
  out.total_volumes_used = json::Int(*absolute, "totalVolumesUsed");
  out.max_total_gigabytes = json::Int(*absolute, "maxTotalVolumeGigabytes", -1);
  out.total_gigabytes_used = json::Int(*absolute, "totalGigabytesUsed");
  out.max_total_snapshots = json::Int(*absolute, "maxTotalSnapshots", -1);
  out.total_snapshots_used = json::Int(*absolute, "totalSnapshotsUsed");
  return out;
}

UserMessage ParseUserMessage(const nlohmann::json& m) {
  return {json::String(m, "id"),
          json::String(m, "event_id"),
          json::String(m, "resource_uuid"),
          json::String(m, "message_level"),
          json::String(m, "user_message"),
          json::String(m, "created_at")};
}

absl::StatusOr<ApiVersion> ParseApiVersion(const nlohmann::json& doc) {
  std::vector<const nlohmann::json*> candidates;
  if (const nlohmann::json* list = json::Find(doc, "versions")) {
    // {"versions": [...]} or, in some deployments, {"versions": {"values": [...]}}.
    const nlohmann::json* values = list->is_object() ? json::Find(*list, "values") : list;
    if (values != nullptr && values->is_array()) {
      for (const nlohmann::json& v : *values) candidates.push_back(&v);
    }
  }
  if (const nlohmann::json* one = json::Find(doc, "version")) candidates.push_back(one);
  for (const nlohmann::json* v : candidates) {
    std::string id = json::String(*v, "id");
    if (id.rfind("v3", 0) != 0) continue;
    return ApiVersion{id, json::String(*v, "status"), json::String(*v, "min_version"),
                      json::String(*v, "version")};
  }
  return absl::NotFoundError("cinder: version document lists no v3 API");
}

std::string NextMarker(const nlohmann::json& doc, std::string_view links_key) {
  const nlohmann::json* links = json::Find(doc, links_key);
  if (links == nullptr || !links->is_array()) return {};
  for (const nlohmann::json& link : *links) {
    if (json::String(link, "rel") != "next") continue;
    return QueryParam(json::String(link, "href"), "marker").value_or("");
  }
  return {};
}

std::string VersionRoot(std::string_view endpoint) {
  size_t v3 = endpoint.find("/v3");
  // "/v3" must be a whole segment ("/v3" or "/v3/..."), not "/v30" or "/v3x".
  while (v3 != std::string_view::npos && v3 + 3 < endpoint.size() && endpoint[v3 + 3] != '/') {
    v3 = endpoint.find("/v3", v3 + 1);
  }
  std::string_view root = v3 == std::string_view::npos ? endpoint : endpoint.substr(0, v3);
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  return StrCat(root, "/");
}

absl::StatusOr<nlohmann::json> CreateVolumeBody(const CreateVolumeRequest& r,
                                                Microversion microversion) {
  nlohmann::json v = {{"size", r.size_gib}};
  if (!r.name.empty()) v["name"] = r.name;
  if (!r.description.empty()) v["description"] = r.description;
  if (!r.volume_type.empty()) v["volume_type"] = r.volume_type;
  if (!r.availability_zone.empty()) v["availability_zone"] = r.availability_zone;
  if (!r.metadata.empty()) v["metadata"] = r.metadata;
  if (!r.snapshot_id.empty()) v["snapshot_id"] = r.snapshot_id;
  if (!r.source_volid.empty()) v["source_volid"] = r.source_volid;
  if (!r.encryption_key_id.empty()) {
    static const Microversion kStrict = *Microversion::Parse(kCinderStrictCreateSchema);
    if (microversion < kStrict) {
      return absl::FailedPreconditionError(
          StrCat("cinder: create volume with encryption_key_id needs microversion >= ",
                 kCinderStrictCreateSchema, " (requested ", microversion.ToString(),
                 "): below it Cinder silently ignores the key and generates its own"));
    }
    v["encryption_key_id"] = r.encryption_key_id;
  }
  return nlohmann::json{{"volume", v}};
}

nlohmann::json CreateSnapshotBody(const CreateSnapshotRequest& r, Microversion microversion) {
  nlohmann::json s = {{"volume_id", r.volume_id}};
  if (!r.name.empty()) s["name"] = r.name;
  if (!r.description.empty()) s["description"] = r.description;
  if (!r.metadata.empty()) s["metadata"] = r.metadata;
  static const Microversion kInUse = *Microversion::Parse(kCinderSnapshotInUse);
  // From 3.66 in-use volumes need no force, and force=false is a 400.
  if (microversion < kInUse || r.force) s["force"] = r.force;
  return nlohmann::json{{"snapshot", s}};
}

std::string ListQuery(const ListRequest& r, bool snapshots) {
  std::vector<std::string> params;
  if (r.limit > 0) params.push_back(StrCat("limit=", r.limit));
  if (!r.marker.empty()) params.push_back(StrCat("marker=", UrlEncode(r.marker)));
  if (!r.name.empty()) params.push_back(StrCat("name=", UrlEncode(r.name)));
  if (!r.status.empty()) params.push_back(StrCat("status=", UrlEncode(r.status)));
  if (snapshots && !r.volume_id.empty()) {
    params.push_back(StrCat("volume_id=", UrlEncode(r.volume_id)));
  }
  if (!r.metadata.empty()) {
    // Cinder parses the value as a dict literal; JSON is a valid one.
    params.push_back(StrCat("metadata=", UrlEncode(nlohmann::json(r.metadata).dump())));
  }
  if (params.empty()) return {};
  return StrCat("?", absl::StrJoin(params, "&"));
}

}  // namespace cinder
}  // namespace byok::openstack
