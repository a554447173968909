#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cloud/cloud_access.h"

namespace byok::cloud {

// The CSI ID of a volume or snapshot. Those created with a tenant's application credential
// carry the project that owns them, "<cinder id>@<project id>", so every later call (delete,
// publish, stage, ... which get nothing but the ID and a Secret) knows whose they are and can
// refuse to act as anyone else. The driver's own are the bare Cinder ID, as before.
// The ID lives in the PV and VolumeSnapshotContent, which only the cluster's controllers and
// admins write.
struct Handle {
  std::string cinder_id;
  std::string project_id;  // "": owned by the driver's identity (or created before handles)
};

// NotFound "<what> <id> does not exist ..." when `csi_id` cannot be an ID of this driver
// (the CSI spec's answer for an unknown ID); the value is echoed only in printable form.
absl::StatusOr<Handle> ParseHandle(std::string_view csi_id, std::string_view what);

// Recorded on every volume and snapshot the controller creates, for operators and listings:
// the project of the identity that created it, and whether that was a tenant's credential.
inline constexpr char kMetaOwnerProject[] = "byok.cinder.csi.openstack.org/project";
inline constexpr char kMetaCreatedBy[] = "byok.cinder.csi.openstack.org/created-by";
inline constexpr char kCreatedByTenant[] = "tenant";
inline constexpr char kCreatedByDriver[] = "driver";

// The ownership metadata for objects created by `clients`.
void RecordOwner(const Clients& clients, std::map<std::string, std::string>& metadata);
// The CSI ID of a listed Cinder object, from its ownership metadata.
std::string HandleFromMetadata(const std::string& cinder_id,
                               const std::map<std::string, std::string>& metadata);

// Whether `id` can be the project part of a CSI ID (Keystone's hex IDs, or other safe names).
bool PlausibleProjectId(std::string_view id);

// The CSI ID for a Cinder object created by `clients`.
std::string HandleFor(const std::string& cinder_id, const Clients& clients);

// Whether `clients` may act on `handle`: yes for the driver's own (no project) and for the
// owning project. Otherwise FailedPrecondition when the call carries no tenant credential
// (`secret_hint` says which Secret to configure), PermissionDenied when it carries another
// project's. `what`: "volume <id>" or "snapshot <id>".
absl::Status CheckOwner(const Handle& handle, const Clients& clients, std::string_view what,
                        std::string_view secret_hint);

// The clients that act on `handle`: its owner's. The driver's own objects are always handled
// as the driver, whatever credential the Secret carries (so a tenant's Secret cannot make a
// NotFound of another identity stand for "deleted"); a tenant's need the Secret to carry a
// credential of the owning project (CheckOwner).
absl::StatusOr<Clients> OwnerClients(CloudAccess& cloud, const Handle& handle,
                                     const RequestSecret& secret, absl::Time deadline,
                                     std::string_view what, std::string_view secret_hint);

}  // namespace byok::cloud
