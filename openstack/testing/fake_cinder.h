#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "openstack/cinder.h"
#include "openstack/testing/fake_util.h"
#include "openstack/testing/test_api.h"

namespace byok::openstack::testing {

// An in-memory Cinder for controller unit tests. Follows the real API's rules where the
// driver depends on them: 404 for unknown ids, 400 for deleting attached volumes or volumes
// with snapshots, 413 over quota, the 3.53 rule for encryption_key_id, extend of in-use
// volumes only at >= 3.42, and the encryption metadata of encrypted types. New volumes and
// snapshots get `initial_status` ("available" unless set), so polling code can be tested
// with "creating" plus SetVolumeStatus().
class FakeCinder : public CinderClient {
 public:
  FakeCinder();

  // --- test controls -------------------------------------------------------------------
  // Types, e.g. AddVolumeType({"id", "luks"}, VolumeTypeEncryption{..., "luks", ...}).
  void AddVolumeType(VolumeType type, VolumeTypeEncryption encryption = {});
  void SetInitialStatus(std::string status);
  void SetVolumeStatus(const std::string& id, std::string status);
  void SetSnapshotStatus(const std::string& id, std::string status);
  // Marks a volume in-use by `server_id` (what Nova would do), or removes that attachment.
  void Attach(const std::string& volume_id, const std::string& server_id);
  void Detach(const std::string& volume_id, const std::string& server_id);
  void SetLimits(int64_t max_volumes, int64_t max_gigabytes, int64_t max_snapshots);
  void SetDefaultMicroversion(std::string microversion);
  void SetMaxMicroversion(std::string microversion);
  // Turns the fake into a byok-for-cinder Cinder: from `microversion` on, encryption_key_id on
  // create is accepted (encrypted types only) and the volume gets `clone(key_id)`, the ID of
  // a copy the test stores. Until called, the fake is stock Cinder, whose create schema has
  // no encryption_key_id from 3.53 on (a 400).
  using KeyCloner = std::function<absl::StatusOr<std::string>(const std::string& key_id)>;
  void EnableByok(std::string microversion, KeyCloner clone);
  void AddMessage(UserMessage message);
  // Inserts a volume as is (id generated when empty); returns its id.
  std::string InsertVolume(Volume volume);
  std::vector<Volume> Volumes() const;
  std::vector<Snapshot> Snapshots() const;
  // The attachments API as CinderTestClient::ListAttachments sees it.
  absl::StatusOr<std::vector<Attachment>> ListAttachments(const CallOptions& o,
                                                          const std::string& volume_id);
  CallLog& calls() { return calls_; }

  // --- CinderClient ----------------------------------------------------------------------
  absl::StatusOr<Volume> CreateVolume(const CallOptions& o,
                                      const CreateVolumeRequest& request) override;
  absl::StatusOr<Volume> GetVolume(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<VolumePage> ListVolumes(const CallOptions& o, const ListRequest& request) override;
  absl::Status DeleteVolume(const CallOptions& o, const std::string& id) override;
  absl::Status ExtendVolume(const CallOptions& o, const std::string& id,
                            int64_t new_size_gib) override;
  absl::StatusOr<std::map<std::string, std::string>> GetVolumeMetadata(
      const CallOptions& o, const std::string& id) override;
  absl::StatusOr<std::map<std::string, std::string>> UpdateVolumeMetadata(
      const CallOptions& o, const std::string& id,
      const std::map<std::string, std::string>& metadata) override;
  absl::Status DeleteVolumeMetadataKey(const CallOptions& o, const std::string& id,
                                       const std::string& key) override;
  absl::StatusOr<EncryptionMetadata> GetVolumeEncryption(const CallOptions& o,
                                                         const std::string& id) override;
  absl::StatusOr<Snapshot> CreateSnapshot(const CallOptions& o,
                                          const CreateSnapshotRequest& request) override;
  absl::StatusOr<Snapshot> GetSnapshot(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<SnapshotPage> ListSnapshots(const CallOptions& o,
                                             const ListRequest& request) override;
  absl::Status DeleteSnapshot(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<std::map<std::string, std::string>> GetSnapshotMetadata(
      const CallOptions& o, const std::string& id) override;
  absl::StatusOr<std::map<std::string, std::string>> UpdateSnapshotMetadata(
      const CallOptions& o, const std::string& id,
      const std::map<std::string, std::string>& metadata) override;
  absl::Status DeleteSnapshotMetadataKey(const CallOptions& o, const std::string& id,
                                         const std::string& key) override;
  absl::StatusOr<Limits> GetLimits(const CallOptions& o) override;
  absl::StatusOr<std::vector<UserMessage>> ListMessages(const CallOptions& o,
                                                        const std::string& resource_uuid) override;
  absl::StatusOr<ApiVersion> GetApiVersion(const CallOptions& o) override;

 private:
  struct TypeEntry {
    VolumeType type;
    VolumeTypeEncryption encryption;
  };
  const TypeEntry* FindType(const std::string& id_or_name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Volume* FindVolume(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Snapshot* FindSnapshot(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> Version(const CallOptions& o) const;
  // "" without encryption_key_id; its clone when Cinder takes it; the 400 when it does not.
  absl::StatusOr<std::string> ByokKey(const std::string& version, const CreateVolumeRequest& r,
                                      const std::string& what) const;
  int64_t UsedGigabytes() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  CallLog calls_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::string initial_status_ ABSL_GUARDED_BY(mu_) = "available";
  std::string default_microversion_ ABSL_GUARDED_BY(mu_) = "3.64";
  std::string max_microversion_ ABSL_GUARDED_BY(mu_) = "3.70";
  std::string byok_microversion_ ABSL_GUARDED_BY(mu_);
  KeyCloner clone_key_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Volume> volumes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Snapshot> snapshots_ ABSL_GUARDED_BY(mu_);
  std::vector<TypeEntry> types_ ABSL_GUARDED_BY(mu_);
  std::vector<UserMessage> messages_ ABSL_GUARDED_BY(mu_);
  int64_t max_volumes_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t max_gigabytes_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t max_snapshots_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace byok::openstack::testing
