#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/node_deps.h"
#include "node/params.h"
#include "node/unlock_limiter.h"

namespace byok::node {

// NodeStageVolume and NodeUnstageVolume.
//
// Stage: key material first (Cinder descriptor, Barbican key, DEK unwrap), so a wrong key
// fails before the disk is touched; then the device (by serial), the LUKS rules of
// DevicePreparer, and the filesystem (mount mode) or a bind mount of the device node on
// <staging>/device (block mode). Every step is idempotent, so a retried call continues where
// the last one stopped.
//
// Unstage: unmounts, then closes the dm-crypt mapping named after the volume ID. Needs no key
// and no cloud; idempotent.
class Stager {
 public:
  Stager(const NodeDeps& deps, UnlockLimiter* limiter) : deps_(deps), limiter_(limiter) {}

  absl::Status Stage(const StageParams& params, absl::Time deadline);
  absl::Status Unstage(const UnstageParams& params);

 private:
  absl::Status StageBlock(const std::string& volume_id, const std::string& device,
                          const std::string& staging_path);
  NodeDeps deps_;
  UnlockLimiter* limiter_;
};

}  // namespace byok::node
