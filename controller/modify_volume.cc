// ControllerModifyVolume (a VolumeAttributesClass change): key rotation. The Secret's keyID
// names the key the volume is to be under; an envelope volume's data key, and its snapshots'
// copies, are re-wrapped under it (controller/rewrap.h). Nothing else is mutable.
#include "cloud/cloud_access.h"
#include "cloud/key_consumers.h"
#include "cloud/key_stats.h"
#include "cloud/rewrap.h"
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

// The key a holder was under before this call's rotation: what its metadata names, or, when
// an earlier attempt already committed, the key that commit recorded as previous.
std::string KeyBefore(const std::map<std::string, std::string>& metadata,
                      const std::string& new_key_id) {
  auto key = metadata.find(envelope::kMetaKeyId);
  if (key != metadata.end() && key->second != new_key_id) return key->second;
  auto previous = metadata.find(envelope::kMetaPreviousKeyId);
  return previous == metadata.end() ? "" : previous->second;
}

// The Barbican consumer record follows the wrapping (key_consumers.h).
void MoveKeyConsumer(const cloud::Clients& clients, const CallOptions& call,
                     const std::string& before, const std::string& new_key_id,
                     std::string_view resource_type, const std::string& id) {
  cloud::RegisterKeyConsumer(clients, call, new_key_id, resource_type, id);
  if (before != new_key_id) cloud::RemoveKeyConsumer(clients, call, before, resource_type, id);
}

// The volume first, then every snapshot that still holds a wrapped key. A retry after any
// failure finds what is done already under the new key and goes on with the rest.
absl::Status RotateEnvelope(const cloud::Clients& clients, const CallOptions& call,
                            const openstack::Volume& volume, const std::string& new_key_id,
                            absl::Time deadline) {
  auto new_kek = cloud::FetchTenantKey(clients, new_key_id, deadline);
  if (!new_kek.ok()) return new_kek.status();
  std::map<std::string, SecureBytes> cache;
  const cloud::KeyFetcher fetch = CachingFetcher(clients, volume.id, deadline, cache);
  const std::string wrap_name = envelope::WrapNameOf(volume.metadata, volume.name);
  openstack::CinderClient& cinder = *clients.cinder;
  auto rewrapped = cloud::RewrapDataKey(cloud::VolumeKeyStore(cinder, call, volume.id), wrap_name,
                                        new_key_id, *new_kek, fetch);
  if (!rewrapped.ok()) return rewrapped.status();
  MoveKeyConsumer(clients, call, KeyBefore(volume.metadata, new_key_id), new_key_id,
                  cloud::kConsumerVolume, volume.id);
  int snapshots = 0;
  openstack::ListRequest of;
  of.volume_id = volume.id;
  do {
    auto page = cinder.ListSnapshots(call, of);
    if (!page.ok()) return page.status();
    for (const openstack::Snapshot& snapshot : page->snapshots) {
      if (snapshot.metadata.count(envelope::kMetaWrappedDek) == 0) continue;  // crypto-erased
      auto done = cloud::RewrapDataKey(cloud::SnapshotKeyStore(cinder, call, snapshot.id),
                                       envelope::WrapNameOf(snapshot.metadata, wrap_name),
                                       new_key_id, *new_kek, fetch);
      if (!done.ok()) return done.status();
      MoveKeyConsumer(clients, call, KeyBefore(snapshot.metadata, new_key_id), new_key_id,
                      cloud::kConsumerSnapshot, snapshot.id);
      snapshots += *done ? 1 : 0;
    }
    of.marker = page->next_marker;
  } while (!of.marker.empty());
  log::Info("volume key rotated", {{"volume", volume.id},
                                   {"key_id", new_key_id},
                                   {"volume_rewrapped", *rewrapped ? "true" : "false"},
                                   {"snapshots_rewrapped", std::to_string(snapshots)}});
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
