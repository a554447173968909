#pragma once

// One key rotation of an envelope volume, as ControllerModifyVolume and NodeStageVolume (with
// previousKeyIDs) both run it: the volume's data key first, then each of its snapshots' copies
// (RewrapDataKey for each), with their Barbican consumer records moved along.
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "cloud/cloud_access.h"
#include "cloud/rewrap.h"
#include "common/secure_bytes.h"
#include "openstack/call_options.h"

namespace byok::cloud {

struct VolumeRotation {
  openstack::CinderClient* cinder = nullptr;  // as the volume's owner
  const Clients* key_reader = nullptr;        // reads the keys; records the consumers
  openstack::CallOptions call;
  std::string volume_id;
  std::string wrap_name;          // what the volume's data key is bound to (WrapNameOf)
  std::string volume_key_before;  // KeyBefore of the volume's metadata
  std::string new_key_id;
  const SecureBytes* new_kek = nullptr;
  KeyFetcher fetch;  // the keys the holders are under now
  // NodeStage: a snapshot that cannot be moved does not fail the stage (the volume has moved
  // and opens; a retry would not look at the snapshots again). It is logged and left for
  // ControllerModifyVolume.
  bool snapshots_best_effort = false;
};

struct RotationDone {
  bool volume_rewrapped = false;  // false: it was under the new key already (a retry)
  int snapshots_rewrapped = 0;
  bool snapshots_left = false;  // snapshots_best_effort only: some are still under the old key
};

// A retry after any failure finds what is done already under the new key and goes on with
// the rest. Snapshots without a wrapped key (crypto-erased) are skipped.
absl::StatusOr<RotationDone> RotateVolumeKey(const VolumeRotation& rotation);

// The key a holder was under before a rotation to `new_key_id`: what its metadata names, or,
// when an earlier attempt already committed, the key that commit recorded as previous.
std::string KeyBefore(const std::map<std::string, std::string>& metadata,
                      const std::string& new_key_id);

}  // namespace byok::cloud
