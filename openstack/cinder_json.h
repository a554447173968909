#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "openstack/cinder.h"
#include "openstack/microversion.h"

// Cinder JSON <-> structs. Pure functions, unit-tested on canned responses.
namespace byok::openstack::cinder {

Volume ParseVolume(const nlohmann::json& volume);
Snapshot ParseSnapshot(const nlohmann::json& snapshot);
EncryptionMetadata ParseEncryptionMetadata(const nlohmann::json& doc);
Limits ParseLimits(const nlohmann::json& doc);
UserMessage ParseUserMessage(const nlohmann::json& message);
// {"versions":[...]} (GET /) or {"version":{...}}: the v3 entry.
absl::StatusOr<ApiVersion> ParseApiVersion(const nlohmann::json& doc);
// The marker of the "next" link in `links` (volumes_links, snapshots_links), or "".
std::string NextMarker(const nlohmann::json& doc, std::string_view links_key);

// The root of an endpoint, where the version document lives:
// "http://h:8776/v3/<project>" -> "http://h:8776/", "https://h/volume/v3" -> "https://h/volume/".
std::string VersionRoot(std::string_view endpoint);

// {"volume": {...}}. FailedPrecondition if encryption_key_id is set and `microversion` is
// below 3.53 (Cinder would ignore it and make its own key).
absl::StatusOr<nlohmann::json> CreateVolumeBody(const CreateVolumeRequest& request,
                                                Microversion microversion);
nlohmann::json CreateSnapshotBody(const CreateSnapshotRequest& request, Microversion microversion);
// The query string (with leading '?', or "") for a list request.
std::string ListQuery(const ListRequest& request, bool snapshots);

}  // namespace byok::openstack::cinder
