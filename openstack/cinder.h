#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "openstack/call_options.h"

// Cinder block storage API v3: the types the driver uses and the client interface.
// RestCinderClient (rest_cinder.h) talks to a real Cinder; testing/fake_cinder.h keeps
// volumes in memory for controller and node unit tests.
namespace byok::openstack {

// Microversions that change behaviour the driver relies on (cinder/api/microversions.py).
inline constexpr char kCinderNewAttach[] = "3.27";           // attachments API
inline constexpr char kCinderExtendInUse[] = "3.42";         // os-extend of in-use volumes
inline constexpr char kCinderStrictCreateSchema[] = "3.53";  // unknown create fields -> 400
inline constexpr char kCinderKeyIdInDetails[] = "3.64";      // encryption_key_id in GET volume
inline constexpr char kCinderSnapshotInUse[] = "3.66";       // snapshots of in-use volumes

struct VolumeAttachment {
  std::string server_id;
  std::string attachment_id;
  std::string device;
  std::string host_name;  // null for non-admins
};

struct Volume {
  std::string id;
  std::string name;
  std::string description;
  std::string status;
  int64_t size_gib = 0;
  std::string availability_zone;
  std::string volume_type;  // the name at >= 3.63 (the id before)
  std::map<std::string, std::string> metadata;
  std::vector<VolumeAttachment> attachments;
  bool encrypted = false;
  bool bootable = false;
  bool multiattach = false;
  std::string snapshot_id;
  std::string source_volid;
  std::string encryption_key_id;  // >= 3.64 only; Cinder's clone, not the tenant's secret
  std::string created_at;
  std::string updated_at;
};

struct CreateVolumeRequest {
  std::string name;
  std::string description;
  int64_t size_gib = 0;
  std::string volume_type;
  std::string availability_zone;
  std::map<std::string, std::string> metadata;
  std::string snapshot_id;
  std::string source_volid;
  // The tenant's Barbican secret for a BYOK volume. Sent only at microversion >= 3.53:
  // below that Cinder silently ignores it and generates a key of its own, so the client
  // refuses with FailedPrecondition instead. (Stock Cinder rejects it at >= 3.53 with 400;
  // a BYOK-capable Cinder accepts it at its BYOK microversion.)
  std::string encryption_key_id;
};

struct ListRequest {
  int limit = 0;       // 0: the server's default page size
  std::string marker;  // id of the last item of the previous page
  std::string name;    // exact name
  std::string status;
  std::map<std::string, std::string> metadata;  // all must match
  std::string volume_id;                        // snapshots only
};

struct VolumePage {
  std::vector<Volume> volumes;
  std::string next_marker;  // empty on the last page
};

// GET /volumes/{id}/encryption. Unencrypted volumes have only a null encryption_key_id.
struct EncryptionMetadata {
  std::string encryption_key_id;
  std::string provider;          // luks, luks2, plain or a legacy class path
  std::string cipher;            // may be empty
  int key_size = 0;              // bits; 0 when unset
  std::string control_location;  // front-end or back-end
  bool encrypted() const { return !encryption_key_id.empty(); }
};

struct Snapshot {
  std::string id;
  std::string name;
  std::string description;
  std::string volume_id;
  std::string status;
  int64_t size_gib = 0;
  std::map<std::string, std::string> metadata;
  std::string created_at;
};

struct CreateSnapshotRequest {
  std::string volume_id;
  std::string name;
  std::string description;
  bool force = false;  // below 3.66 needed for in-use volumes; omitted at >= 3.66 if false
  std::map<std::string, std::string> metadata;
};

struct SnapshotPage {
  std::vector<Snapshot> snapshots;
  std::string next_marker;
};

// GET /limits "absolute". -1 means unlimited.
struct Limits {
  int64_t max_total_volumes = -1;
  int64_t total_volumes_used = 0;
  int64_t max_total_gigabytes = -1;
  int64_t total_gigabytes_used = 0;
  int64_t max_total_snapshots = -1;
  int64_t total_snapshots_used = 0;
};

// A user message (GET /messages, >= 3.3): why an asynchronous operation failed.
struct UserMessage {
  std::string id;
  std::string event_id;
  std::string resource_uuid;
  std::string message_level;
  std::string user_message;
  std::string created_at;
};

// The v3 entry of the version document.
struct ApiVersion {
  std::string id;           // "v3.0"
  std::string status;       // CURRENT, SUPPORTED, DEPRECATED
  std::string min_version;  // "3.0"
  std::string max_version;  // the "version" field, e.g. "3.70"
  // Whether `microversion` lies within [min_version, max_version].
  bool Supports(std::string_view microversion) const;
};

class CinderClient {
 public:
  virtual ~CinderClient() = default;

  virtual absl::StatusOr<Volume> CreateVolume(const CallOptions& o,
                                              const CreateVolumeRequest& request) = 0;
  virtual absl::StatusOr<Volume> GetVolume(const CallOptions& o, const std::string& id) = 0;
  virtual absl::StatusOr<VolumePage> ListVolumes(const CallOptions& o,
                                                 const ListRequest& request) = 0;
  virtual absl::Status DeleteVolume(const CallOptions& o, const std::string& id) = 0;
  virtual absl::Status ExtendVolume(const CallOptions& o, const std::string& id,
                                    int64_t new_size_gib) = 0;

  virtual absl::StatusOr<std::map<std::string, std::string>> GetVolumeMetadata(
      const CallOptions& o, const std::string& id) = 0;
  // Adds or updates the given keys; others are kept. Returns the resulting metadata.
  virtual absl::StatusOr<std::map<std::string, std::string>> UpdateVolumeMetadata(
      const CallOptions& o, const std::string& id,
      const std::map<std::string, std::string>& metadata) = 0;
  virtual absl::Status DeleteVolumeMetadataKey(const CallOptions& o, const std::string& id,
                                               const std::string& key) = 0;
  virtual absl::StatusOr<EncryptionMetadata> GetVolumeEncryption(const CallOptions& o,
                                                                 const std::string& id) = 0;

  virtual absl::StatusOr<Snapshot> CreateSnapshot(const CallOptions& o,
                                                  const CreateSnapshotRequest& request) = 0;
  virtual absl::StatusOr<Snapshot> GetSnapshot(const CallOptions& o, const std::string& id) = 0;
  virtual absl::StatusOr<SnapshotPage> ListSnapshots(const CallOptions& o,
                                                     const ListRequest& request) = 0;
  virtual absl::Status DeleteSnapshot(const CallOptions& o, const std::string& id) = 0;
  virtual absl::StatusOr<std::map<std::string, std::string>> GetSnapshotMetadata(
      const CallOptions& o, const std::string& id) = 0;
  virtual absl::StatusOr<std::map<std::string, std::string>> UpdateSnapshotMetadata(
      const CallOptions& o, const std::string& id,
      const std::map<std::string, std::string>& metadata) = 0;
  virtual absl::Status DeleteSnapshotMetadataKey(const CallOptions& o, const std::string& id,
                                                 const std::string& key) = 0;

  virtual absl::StatusOr<Limits> GetLimits(const CallOptions& o) = 0;

  virtual absl::StatusOr<std::vector<UserMessage>> ListMessages(
      const CallOptions& o, const std::string& resource_uuid) = 0;

  // The version document at the endpoint's root (no token needed, but one is sent).
  virtual absl::StatusOr<ApiVersion> GetApiVersion(const CallOptions& o) = 0;
};

}  // namespace byok::openstack
