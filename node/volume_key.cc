#include "node/volume_key.h"

#include "common/log.h"
#include "common/strings.h"
#include "envelope/key_wrap.h"
#include "openstack/barbican.h"

namespace byok::node {
namespace {

std::string SecretKeyId(const std::map<std::string, std::string>& secrets) {
  auto it = secrets.find(cloud::kSecretKeyId);
  return it == secrets.end() ? "" : it->second;
}

// The UUID of a keyID given as a UUID or an href (for comparing; the fetch checks validity).
std::string KeyUuid(const std::string& ref) {
  auto id = openstack::barbican::ParseSecretRef(ref);
  return id.ok() ? *id : ref;
}

}  // namespace

absl::StatusOr<VolumeKey> ResolveVolumeKey(cloud::CloudAccess& cloud, const std::string& volume_id,
                                           const std::map<std::string, std::string>& secrets,
                                           const std::map<std::string, std::string>& context,
                                           absl::Time deadline) {
  VolumeKey key;
  key.volume_id = volume_id;
  absl::StatusOr<cloud::Clients> clients = cloud.ForSecrets(secrets);
  if (!clients.ok()) return clients.status();
  key.clients = *std::move(clients);

  openstack::CallOptions call;
  call.deadline = deadline;
  absl::StatusOr<openstack::Volume> volume = key.clients.cinder->GetVolume(call, volume_id);
  if (!volume.ok()) {
    if (absl::IsNotFound(volume.status())) {
      return absl::NotFoundError(StrCat("Cinder volume ", volume_id,
                                        " does not exist (looked up as ", key.clients.identity,
                                        ")"));
    }
    return absl::Status(volume.status().code(), StrCat("reading Cinder volume ", volume_id, ": ",
                                                       volume.status().message()));
  }
  key.volume_name = volume->name;
  absl::StatusOr<envelope::Descriptor> descriptor = envelope::FromMetadata(volume->metadata);
  if (!descriptor.ok()) {
    return absl::Status(descriptor.status().code(),
                        StrCat("volume ", volume_id, ": ", descriptor.status().message()));
  }
  key.descriptor = *std::move(descriptor);
  const envelope::Mode mode = key.descriptor.mode;

  if (auto hint = context.find(envelope::kMetaMode);
      hint != context.end() && hint->second != envelope::ModeName(mode)) {
    log::Warning("volume_context disagrees with the Cinder metadata; using Cinder's",
                 {{"volume", volume_id},
                  {"context_mode", hint->second},
                  {"cinder_mode", std::string(envelope::ModeName(mode))}});
  }
  if (mode == envelope::Mode::kNone) return key;

  key.secret_key_id = SecretKeyId(secrets);
  if (key.secret_key_id.empty()) {
    return absl::InvalidArgumentError(StrCat(
        "the node-stage Secret has no \"", cloud::kSecretKeyId, "\": volume ", volume_id, " is ",
        envelope::ModeName(mode), "-encrypted with Barbican key ", key.descriptor.key_id,
        "; reference a Secret holding that key's ID (StorageClass parameter "
        "csi.storage.k8s.io/node-stage-secret-name)"));
  }
  if (KeyUuid(key.secret_key_id) != KeyUuid(key.descriptor.key_id)) {
    log::Info("the Secret names another Barbican key than the volume records; trying it",
              {{"volume", volume_id},
               {"secret_key_id", key.secret_key_id},
               {"volume_key_id", key.descriptor.key_id}});
  }
  absl::StatusOr<SecureBytes> tenant_key =
      cloud::FetchTenantKey(key.clients, key.secret_key_id, deadline);
  if (!tenant_key.ok()) {
    return absl::Status(tenant_key.status().code(),
                        StrCat("volume ", volume_id, ": ", tenant_key.status().message()));
  }

  if (mode == envelope::Mode::kCinder) {
    key.passphrase = tenant_key->ToLowerHex();
    return key;
  }
  absl::StatusOr<SecureBytes> dek = envelope::UnwrapDek(*tenant_key, key.descriptor.wrapped_dek,
                                                        {key.volume_name, key.descriptor.key_id});
  if (absl::IsPermissionDenied(dek.status())) {
    return absl::PermissionDeniedError(
        StrCat("wrong key for volume ", volume_id, " (", key.volume_name, "): Barbican key ",
               key.secret_key_id, ", named by the node-stage Secret's \"", cloud::kSecretKeyId,
               "\", does not unwrap the volume's data key (it was wrapped with Barbican key ",
               key.descriptor.key_id, "); nothing on the disk was touched"));
  }
  if (!dek.ok()) {
    return absl::DataLossError(StrCat("volume ", volume_id,
                                      ": the wrapped data key in its Cinder "
                                      "metadata is unusable: ",
                                      dek.status().message()));
  }
  key.passphrase = *std::move(dek);
  return key;
}

}  // namespace byok::node
