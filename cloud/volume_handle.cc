#include "cloud/volume_handle.h"

#include "common/strings.h"

namespace byok::cloud {
namespace {

constexpr size_t kMaxCinderIdBytes = 64;
constexpr size_t kMaxProjectIdBytes = 64;

// Cinder IDs are UUIDs; anything that could not be one path segment is refused here, before
// it reaches a URL or a device lookup.
bool PlausibleCinderId(std::string_view id) {
  if (id.empty() || id.size() > kMaxCinderIdBytes || id == "." || id == "..") return false;
  for (char c : id) {
    if (c == '/' || c == '@' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

// Keystone project IDs are hex UUIDs; other backends use other safe names.
bool PlausibleProjectId(std::string_view id) {
  if (id.empty() || id.size() > kMaxProjectIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<Handle> ParseHandle(std::string_view csi_id, std::string_view what) {
  Handle handle;
  std::string_view cinder_id = csi_id;
  if (size_t at = csi_id.rfind('@'); at != std::string_view::npos) {
    cinder_id = csi_id.substr(0, at);
    handle.project_id = std::string(csi_id.substr(at + 1));
    if (!PlausibleProjectId(handle.project_id)) cinder_id = "";
  }
  if (!PlausibleCinderId(cinder_id)) {
    return absl::NotFoundError(StrCat(what, " \"", Printable(csi_id),
                                      "\" does not exist: not an ID this driver hands out"));
  }
  handle.cinder_id = std::string(cinder_id);
  return handle;
}

void RecordOwner(const Clients& clients, std::map<std::string, std::string>& metadata) {
  metadata[kMetaOwnerProject] = clients.project_id;
  metadata[kMetaCreatedBy] = clients.tenant ? kCreatedByTenant : kCreatedByDriver;
}

std::string HandleFromMetadata(const std::string& cinder_id,
                               const std::map<std::string, std::string>& metadata) {
  auto by = metadata.find(kMetaCreatedBy);
  auto project = metadata.find(kMetaOwnerProject);
  if (by == metadata.end() || by->second != kCreatedByTenant || project == metadata.end() ||
      !PlausibleProjectId(project->second)) {
    return cinder_id;
  }
  return StrCat(cinder_id, "@", project->second);
}

std::string HandleFor(const std::string& cinder_id, const Clients& clients) {
  return clients.tenant ? StrCat(cinder_id, "@", clients.project_id) : cinder_id;
}

absl::Status CheckOwner(const Handle& handle, const Clients& clients, std::string_view what,
                        std::string_view secret_hint) {
  if (handle.project_id.empty() || handle.project_id == clients.project_id) {
    return absl::OkStatus();
  }
  // The operator's account is not named: these messages become Events tenants read.
  if (!clients.tenant) {
    return absl::FailedPreconditionError(
        StrCat(what, " belongs to project ", handle.project_id,
               " (it was created with a tenant's application credential), but this call "
               "carries no credential of that project: ",
               secret_hint));
  }
  return absl::PermissionDeniedError(StrCat(what, " belongs to project ", handle.project_id,
                                            "; the Secret's application credential acts in "
                                            "project ",
                                            clients.project_id, " and may not touch it"));
}

absl::StatusOr<Clients> OwnerClients(CloudAccess& cloud, const Handle& handle,
                                     const RequestSecret& secret, absl::Time deadline,
                                     std::string_view what, std::string_view secret_hint) {
  if (handle.project_id.empty()) return cloud.ForDriver(deadline);
  auto clients = cloud.ForSecret(secret, deadline);
  if (!clients.ok()) return clients.status();
  if (absl::Status s = CheckOwner(handle, *clients, what, secret_hint); !s.ok()) return s;
  return clients;
}

}  // namespace byok::cloud
