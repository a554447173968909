#include "node/volume_key.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "cloud/key_stats.h"
#include "cloud/rotate_volume.h"
#include "cloud/volume_handle.h"
#include "common/log.h"
#include "common/strings.h"
#include "envelope/key_wrap.h"
#include "openstack/barbican.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

constexpr char kStageSecretHint[] =
    "reference the tenant's Secret in the StorageClass parameters "
    "csi.storage.k8s.io/node-stage-secret-name and -namespace";

// The UUID of a key ID recorded as a UUID or an href (for comparing).
std::string KeyUuid(const std::string& ref) {
  auto id = openstack::barbican::ParseSecretRef(ref);
  return id.ok() ? *id : ref;
}

absl::StatusOr<openstack::Volume> ReadVolume(const cloud::Clients& clients,
                                             const std::string& volume_id, absl::Time deadline) {
  openstack::CallOptions call;
  call.deadline = deadline;
  absl::StatusOr<openstack::Volume> volume = clients.cinder->GetVolume(call, volume_id);
  if (absl::IsNotFound(volume.status())) {
    return absl::NotFoundError(StrCat("Cinder volume ", volume_id, " does not exist (looked up as ",
                                      clients.identity, ")"));
  }
  if (!volume.ok()) {
    return openstack::Annotate(volume.status(), StrCat("reading Cinder volume ", volume_id));
  }
  return volume;
}

void CompareHint(const VolumeKey& key, const std::map<std::string, std::string>& context) {
  auto hint = context.find(envelope::kMetaMode);
  if (hint != context.end() && hint->second != envelope::ModeName(key.descriptor.mode)) {
    log::Warning("volume_context disagrees with the Cinder metadata; using Cinder's",
                 {{"volume", key.volume_id},
                  {"context_mode", hint->second},
                  {"cinder_mode", std::string(envelope::ModeName(key.descriptor.mode))}});
  }
}

// The Secret must name the very key the volume is bound to: a Secret of another tenant (or a
// typo) is refused before its key is fetched, and the message says which key is wanted.
absl::Status CheckKeyBinding(const VolumeKey& key) {
  const std::string mode(envelope::ModeName(key.descriptor.mode));
  if (key.secret_key_id.empty()) {
    return absl::InvalidArgumentError(
        StrCat("the node-stage Secret has no \"", cloud::kSecretKeyId, "\": volume ", key.volume_id,
               " is ", mode, "-encrypted with Barbican key ", key.descriptor.key_id,
               "; reference a Secret holding that key's ID (StorageClass parameter "
               "csi.storage.k8s.io/node-stage-secret-name)"));
  }
  if (key.secret_key_id != KeyUuid(key.descriptor.key_id)) {
    return absl::PermissionDeniedError(
        StrCat("the node-stage Secret's \"", cloud::kSecretKeyId, "\" names Barbican key ",
               key.secret_key_id, ", but volume ", key.volume_id, " is ", mode,
               "-encrypted with key ", key.descriptor.key_id,
               "; only a Secret naming the volume's own key may stage it (nothing on the disk "
               "was touched)"));
  }
  return absl::OkStatus();
}

// byok_key_unlock_failures_total{reason}: why a volume's key could not be had.
absl::Status Counted(const absl::Status& status, cloud::UnlockFailure reason) {
  cloud::KeyStats::Process().CountUnlockFailure(reason);
  return status;
}

cloud::UnlockFailure FetchFailure(const absl::Status& status) {
  if (absl::IsFailedPrecondition(status)) return cloud::UnlockFailure::kKeyGone;
  if (absl::IsPermissionDenied(status)) return cloud::UnlockFailure::kAccessDenied;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return cloud::UnlockFailure::kBarbicanDown;
  }
  return cloud::UnlockFailure::kOther;
}

absl::Status UnwrapInto(VolumeKey& key, const SecureBytes& tenant_key) {
  absl::StatusOr<SecureBytes> dek = envelope::UnwrapDek(tenant_key, key.descriptor.wrapped_dek,
                                                        {key.wrap_name, key.descriptor.key_id});
  if (absl::IsPermissionDenied(dek.status())) {
    return absl::PermissionDeniedError(StrCat(
        "Barbican key ", key.secret_key_id, " does not unwrap the data key of volume ",
        key.volume_id, " (bound to CSI name ", key.wrap_name,
        "): the key's bytes changed, or the volume's metadata was altered; nothing on the disk "
        "was touched"));
  }
  if (!dek.ok()) {
    return absl::DataLossError(StrCat(
        "volume ", key.volume_id,
        ": the wrapped data key in its Cinder metadata is unusable: ", dek.status().message()));
  }
  key.passphrase = *std::move(dek);
  return absl::OkStatus();
}

// The Secret names a new key and lists the volume's current one in previousKeyIDs: a tenant
// who updated the Secret before the rotation ran (ControllerModifyVolume) has the volume moved
// here. Envelope only: a cinder-mode volume cannot change its key.
bool RotatesAtStage(const VolumeKey& key, const std::vector<std::string>& previous) {
  if (key.descriptor.mode != envelope::Mode::kEnvelope || key.secret_key_id.empty()) return false;
  const std::string current = KeyUuid(key.descriptor.key_id);
  return key.secret_key_id != current &&
         std::find(previous.begin(), previous.end(), current) != previous.end();
}

// Unwraps the data key with the key the volume is bound to (a wrong one changes nothing),
// then re-wraps it, and its snapshots' copies, under the Secret's key (cloud/rotate_volume.h:
// each staged, verified, committed in one update), moving the Barbican consumer records.
absl::Status RotateAtStage(VolumeKey& key, const cloud::Clients& key_reader, absl::Time deadline) {
  const std::string bound = StrCat("volume ", key.volume_id);
  const std::string old_id = key.descriptor.key_id;
  auto old_kek = cloud::FetchBoundKey(key_reader, old_id, bound, deadline);
  if (!old_kek.ok()) return Counted(old_kek.status(), FetchFailure(old_kek.status()));
  auto new_kek = cloud::FetchTenantKey(key_reader, key.secret_key_id, deadline);
  if (!new_kek.ok()) {
    return Counted(openstack::Annotate(new_kek.status(), StrCat(bound, ": the key to rotate to")),
                   FetchFailure(new_kek.status()));
  }
  if (absl::Status s = UnwrapInto(key, *old_kek); !s.ok()) {
    return Counted(s, absl::IsPermissionDenied(s) ? cloud::UnlockFailure::kWrongKey
                                                  : cloud::UnlockFailure::kOther);
  }
  cloud::VolumeRotation rotation;
  rotation.cinder = key.clients.cinder.get();
  rotation.key_reader = &key_reader;
  rotation.call.deadline = deadline;
  rotation.volume_id = key.volume_id;
  rotation.wrap_name = key.wrap_name;
  rotation.volume_key_before = old_id;
  rotation.new_key_id = key.secret_key_id;
  rotation.new_kek = &*new_kek;
  rotation.snapshots_best_effort = true;
  rotation.fetch = [&](const std::string& id) -> absl::StatusOr<SecureBytes> {
    if (id == old_id) return old_kek->Clone();
    return cloud::FetchBoundKey(key_reader, id, bound, deadline);  // rotated meanwhile
  };
  auto done = cloud::RotateVolumeKey(rotation);
  cloud::KeyStats::Process().CountRotation(done.ok());
  if (!done.ok()) {
    return openstack::Annotate(done.status(),
                               StrCat("rotating ", bound, " to key ", key.secret_key_id));
  }
  log::Info("volume key rotated at stage (previousKeyIDs)",
            {{"volume", key.volume_id},
             {"from_key_id", old_id},
             {"key_id", key.secret_key_id},
             {"snapshots_rewrapped", std::to_string(done->snapshots_rewrapped)}});
  key.descriptor.key_id = key.secret_key_id;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VolumeKey> ResolveVolumeKey(cloud::CloudAccess& cloud, const StageParams& params,
                                           absl::Time deadline) {
  VolumeKey key;
  key.volume_id = params.volume_id;
  // The key is read as whoever the Secret names (it is the tenant's key); that identity is
  // settled first, so a Secret naming what the operator does not allow is refused before
  // anything else happens.
  std::optional<absl::StatusOr<cloud::Clients>> secret_identity;
  if (params.secret.credential) {
    secret_identity = cloud.ForSecret(params.secret, deadline);
    if (!secret_identity->ok()) return secret_identity->status();
  }
  // The volume is read (and its LUKS state written) as its owner.
  absl::StatusOr<cloud::Clients> owner =
      cloud::OwnerClients(cloud, {params.volume_id, params.owner_project}, params.secret, deadline,
                          StrCat("volume ", params.volume_id), kStageSecretHint);
  if (!owner.ok()) return owner.status();
  key.clients = *std::move(owner);

  absl::StatusOr<openstack::Volume> volume = ReadVolume(key.clients, key.volume_id, deadline);
  if (!volume.ok()) return volume.status();
  key.wrap_name = envelope::WrapNameOf(volume->metadata, volume->name);
  absl::StatusOr<envelope::Descriptor> descriptor = envelope::FromMetadata(volume->metadata);
  if (!descriptor.ok()) {
    return openstack::Annotate(descriptor.status(), StrCat("volume ", key.volume_id));
  }
  key.descriptor = *std::move(descriptor);
  CompareHint(key, params.volume_context);
  if (key.descriptor.mode == envelope::Mode::kNone) return key;

  key.secret_key_id = params.secret.key_id;
  const cloud::Clients& key_reader = secret_identity ? **secret_identity : key.clients;
  if (RotatesAtStage(key, params.secret.previous_key_ids)) {
    if (absl::Status s = RotateAtStage(key, key_reader, deadline); !s.ok()) return s;
    return key;
  }
  if (absl::Status s = CheckKeyBinding(key); !s.ok()) {
    return Counted(s, cloud::UnlockFailure::kWrongKey);
  }
  // The binding check passed: this is the volume's own key, so a key that is gone is
  // revocation (FailedPrecondition), not a mistake in the Secret.
  absl::StatusOr<SecureBytes> tenant_key = cloud::FetchBoundKey(
      key_reader, key.secret_key_id, StrCat("volume ", key.volume_id), deadline);
  if (!tenant_key.ok()) return Counted(tenant_key.status(), FetchFailure(tenant_key.status()));
  if (key.descriptor.mode == envelope::Mode::kCinder) {
    key.passphrase = tenant_key->ToLowerHex();
    return key;
  }
  if (absl::Status s = UnwrapInto(key, *tenant_key); !s.ok()) {
    return Counted(s, absl::IsPermissionDenied(s) ? cloud::UnlockFailure::kWrongKey
                                                  : cloud::UnlockFailure::kOther);
  }
  return key;
}

}  // namespace byok::node
