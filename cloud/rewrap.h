#pragma once

// Key rotation without re-encryption (ControllerModifyVolume, and NodeStageVolume with
// previousKeyIDs): the data key of an envelope volume (or of a snapshot,
// which carries its own copy) is unwrapped with the tenant's old key and wrapped under the new
// one. The LUKS header and the data do not change.
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"
#include "openstack/call_options.h"
#include "openstack/cinder.h"

namespace byok::cloud {

// The Cinder metadata a wrapped data key lives in: a volume's or a snapshot's.
struct WrappedKeyStore {
  std::string what;  // "volume <id>", "snapshot <id>": for messages and logs
  std::function<absl::StatusOr<std::map<std::string, std::string>>()> read;
  std::function<absl::Status(const std::map<std::string, std::string>&)> write;  // merges
  std::function<absl::Status(const std::string& key)> erase;
};
WrappedKeyStore VolumeKeyStore(openstack::CinderClient& cinder, openstack::CallOptions call,
                               const std::string& volume_id);
WrappedKeyStore SnapshotKeyStore(openstack::CinderClient& cinder, openstack::CallOptions call,
                                 const std::string& snapshot_id);

// The tenant's key by Barbican ID (a cache over cloud::FetchTenantKey in production).
using KeyFetcher = std::function<absl::StatusOr<SecureBytes>(const std::string& key_id)>;

// Re-wraps the data key in `store` under `new_key_id` (whose bytes are `new_kek`). The steps,
// each safe to crash after, since every attempt starts over from what Cinder holds:
//   1. stage: the new wrapping next to the current pair (next-key-id, next-wrapped-dek);
//   2. verify: read it back and check it opens to the same data key under the new key;
//   3. commit: key-id and wrapped-dek replaced in one update (previous-key-id recorded);
//   4. clean up the staged entries.
// Until 3 the old key opens the volume, from 3 on the new one: never neither. A store already
// under `new_key_id` only has leftovers of 4 removed. `wrap_name` is the name the data key is
// bound to (envelope::WrapNameOf). Returns whether anything was re-wrapped.
absl::StatusOr<bool> RewrapDataKey(const WrappedKeyStore& store, const std::string& wrap_name,
                                   const std::string& new_key_id, const SecureBytes& new_kek,
                                   const KeyFetcher& fetch_key);

}  // namespace byok::cloud
