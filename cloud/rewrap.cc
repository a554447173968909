#include "cloud/rewrap.h"

#include "common/strings.h"
#include "envelope/descriptor.h"
#include "envelope/key_wrap.h"
#include "openstack/errors.h"

namespace byok::cloud {
namespace {

using Metadata = std::map<std::string, std::string>;

// Removes what step 1 staged: the entries `known` shows (a leftover of an earlier attempt), or
// both when `known` is null (this attempt staged them).
absl::Status DropStaged(const WrappedKeyStore& store, const Metadata* known) {
  for (const char* key : {envelope::kMetaNextWrappedDek, envelope::kMetaNextKeyId}) {
    if (known != nullptr && known->count(key) == 0) continue;
    absl::Status erased = store.erase(key);
    if (!erased.ok() && !absl::IsNotFound(erased)) return erased;
  }
  return absl::OkStatus();
}

// Step 2: what Cinder now holds must open to `dek` under the new key. The entries are
// tenant-writable, so nothing read back is trusted beyond this check.
absl::Status VerifyStaged(const WrappedKeyStore& store, const envelope::WrapContext& context,
                          const SecureBytes& new_kek, const SecureBytes& dek) {
  auto staged = store.read();
  if (!staged.ok()) return staged.status();
  auto key = staged->find(envelope::kMetaNextKeyId);
  auto wrapped = staged->find(envelope::kMetaNextWrappedDek);
  if (key == staged->end() || wrapped == staged->end() || key->second != context.key_id) {
    return absl::AbortedError(StrCat(store.what, ": the staged wrapping changed while it was ",
                                     "being verified (another rotation?); retry"));
  }
  auto reopened = envelope::UnwrapDek(new_kek, wrapped->second, context);
  if (!reopened.ok() || !reopened->ConstantTimeEquals(dek)) {
    return absl::AbortedError(StrCat(store.what, ": the staged wrapping under key ", context.key_id,
                                     " did not verify; nothing was changed"));
  }
  return absl::OkStatus();
}

}  // namespace

WrappedKeyStore VolumeKeyStore(openstack::CinderClient& cinder, openstack::CallOptions call,
                               const std::string& volume_id) {
  return {StrCat("volume ", volume_id),
          [&cinder, call, volume_id] { return cinder.GetVolumeMetadata(call, volume_id); },
          [&cinder, call, volume_id](const Metadata& entries) {
            return cinder.UpdateVolumeMetadata(call, volume_id, entries).status();
          },
          [&cinder, call, volume_id](const std::string& key) {
            return cinder.DeleteVolumeMetadataKey(call, volume_id, key);
          }};
}

WrappedKeyStore SnapshotKeyStore(openstack::CinderClient& cinder, openstack::CallOptions call,
                                 const std::string& snapshot_id) {
  return {StrCat("snapshot ", snapshot_id),
          [&cinder, call, snapshot_id] { return cinder.GetSnapshotMetadata(call, snapshot_id); },
          [&cinder, call, snapshot_id](const Metadata& entries) {
            return cinder.UpdateSnapshotMetadata(call, snapshot_id, entries).status();
          },
          [&cinder, call, snapshot_id](const std::string& key) {
            return cinder.DeleteSnapshotMetadataKey(call, snapshot_id, key);
          }};
}

absl::StatusOr<bool> RewrapDataKey(const WrappedKeyStore& store, const std::string& wrap_name,
                                   const std::string& new_key_id, const SecureBytes& new_kek,
                                   const KeyFetcher& fetch_key) {
  auto metadata = store.read();
  if (!metadata.ok()) return metadata.status();
  auto current = envelope::FromMetadata(*metadata);
  if (!current.ok()) return openstack::Annotate(current.status(), store.what);
  if (current->key_id == new_key_id) {
    if (absl::Status s = DropStaged(store, &*metadata); !s.ok()) return s;
    return false;
  }
  auto old_kek = fetch_key(current->key_id);  // rotation needs the old key as well
  if (!old_kek.ok()) return old_kek.status();
  auto dek = envelope::UnwrapDek(*old_kek, current->wrapped_dek, {wrap_name, current->key_id});
  if (!dek.ok()) return openstack::Annotate(dek.status(), store.what);
  const envelope::WrapContext next{wrap_name, new_key_id};
  auto wrapped = envelope::WrapDek(new_kek, *dek, next);
  if (!wrapped.ok()) return wrapped.status();

  absl::Status staged = store.write(
      {{envelope::kMetaNextKeyId, new_key_id}, {envelope::kMetaNextWrappedDek, *wrapped}});
  if (!staged.ok()) return staged;
  if (absl::Status s = VerifyStaged(store, next, new_kek, *dek); !s.ok()) return s;
  absl::Status committed = store.write({{envelope::kMetaKeyId, new_key_id},
                                        {envelope::kMetaWrappedDek, *wrapped},
                                        {envelope::kMetaPreviousKeyId, current->key_id}});
  if (!committed.ok()) return committed;
  if (absl::Status s = DropStaged(store, nullptr); !s.ok()) return s;
  return true;
}

}  // namespace byok::cloud
