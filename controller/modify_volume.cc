// ControllerModifyVolume (a VolumeAttributesClass change): key rotation. The Secret's keyID
// names the key the volume is to be under; an envelope volume's data key, and its snapshots'
// copies, are re-wrapped under it (cloud/rotate_volume.h). Nothing else is mutable.
#include "cloud/cloud_access.h"
#include "cloud/key_stats.h"
#include "cloud/rotate_volume.h"
#include "common/log.h"
#include "common/strings.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/parameters.h"
#include "envelope/descriptor.h"

namespace byok::controller {
namespace {

using envelope::Mode;
using openstack::CallOptions;

constexpr std::string_view kModifySecretHint =
    "set csi.storage.k8s.io/controller-modify-secret-name and -namespace in the StorageClass "
    "to the tenant's Secret";
// The keys the volume and its snapshots are under now, each fetched once per call (they
// usually share one). A key that is gone is revocation: FailedPrecondition naming it.
cloud::KeyFetcher CachingFetcher(const cloud::Clients& clients, const std::string& volume_id,
                                 absl::Time deadline, std::map<std::string, SecureBytes>& cache) {
  return [&clients, volume_id, deadline,
          &cache](const std::string& id) -> absl::StatusOr<SecureBytes> {
    if (auto it = cache.find(id); it != cache.end()) return it->second.Clone();
    auto key = cloud::FetchBoundKey(clients, id, StrCat("volume ", volume_id), deadline);
    if (key.ok()) cache.emplace(id, key->Clone());
    return key;
  };
}

// The volume first, then every snapshot that still holds a wrapped key (cloud/rotate_volume.h).
absl::Status RotateEnvelope(const cloud::Clients& clients, const CallOptions& call,
                            const openstack::Volume& volume, const std::string& new_key_id,
                            absl::Time deadline) {
  auto new_kek = cloud::FetchTenantKey(clients, new_key_id, deadline);
  if (!new_kek.ok()) return new_kek.status();
  std::map<std::string, SecureBytes> cache;
  cloud::VolumeRotation rotation;
  rotation.cinder = clients.cinder.get();
  rotation.key_reader = &clients;
  rotation.call = call;
  rotation.volume_id = volume.id;
  rotation.wrap_name = envelope::WrapNameOf(volume.metadata, volume.name);
  rotation.volume_key_before = cloud::KeyBefore(volume.metadata, new_key_id);
  rotation.new_key_id = new_key_id;
  rotation.new_kek = &*new_kek;
  rotation.fetch = CachingFetcher(clients, volume.id, deadline, cache);
  auto done = cloud::RotateVolumeKey(rotation);
  if (!done.ok()) return done.status();
  log::Info("volume key rotated",
            {{"volume", volume.id},
             {"key_id", new_key_id},
             {"volume_rewrapped", done->volume_rewrapped ? "true" : "false"},
             {"snapshots_rewrapped", std::to_string(done->snapshots_rewrapped)}});
  return absl::OkStatus();
}

}  // namespace

absl::Status ControllerService::DoModifyVolume(
    absl::Time deadline, const ::csi::v1::ControllerModifyVolumeRequest& request) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  if (absl::Status s = CheckMutableParameters(
          {request.mutable_parameters().begin(), request.mutable_parameters().end()});
      !s.ok()) {
    return s;
  }
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  if (secret->key_id.empty()) {
    return absl::InvalidArgumentError(StrCat("the Secret has no ", cloud::kSecretKeyId,
                                             ", which names the key to rotate the volume to; ",
                                             kModifySecretHint));
  }
  cloud::Handle handle;
  auto session = BeginOnId(request.volume_id(), "volume", request.secrets(), deadline,
                           kModifySecretHint, &handle);
  if (!session.ok()) return session.status();
  const cloud::Clients& clients = session->clients;
  auto volume = GetNamedVolume(*clients.cinder, session->call, handle.cinder_id);
  if (!volume.ok()) return volume.status();
  auto descriptor = envelope::FromMetadata(volume->metadata);
  if (!descriptor.ok()) return descriptor.status();
  switch (descriptor->mode) {
    case Mode::kNone:
      return absl::InvalidArgumentError(
          StrCat("volume ", volume->id, " is not encrypted: it has no key to rotate"));
    case Mode::kCinder:
      if (descriptor->key_id == secret->key_id) return absl::OkStatus();
      return absl::FailedPreconditionError(StrCat(
          "volume ", volume->id, " is in cinder mode: Cinder encrypts it with its own copy of key ",
          descriptor->key_id, ", which the driver cannot re-wrap; moving to key ", secret->key_id,
          " needs the data copied into a new volume created under that key (keys rotate in "
          "place only with encryption=envelope)"));
    case Mode::kEnvelope: {
      absl::Status rotated =
          RotateEnvelope(clients, session->call, *volume, secret->key_id, deadline);
      cloud::KeyStats::Process().CountRotation(rotated.ok());
      return rotated;
    }
  }
  return absl::InternalError("unknown encryption mode");
}

}  // namespace byok::controller
