#pragma once

#include "absl/status/status.h"
#include "node/node_deps.h"
#include "node/params.h"

namespace byok::node {

// NodePublishVolume / NodeUnpublishVolume: bind mounts from the staging path to the pod's
// target, nothing else (the volume was unlocked and mounted at stage).
//   mount mode: <staging> (a mounted filesystem) -> target directory
//   block mode: <staging>/device (the device node) -> target file
// Publish is idempotent (same volume at the target with the same read-only-ness is OK,
// anything else there is ALREADY_EXISTS); unpublish unmounts and removes the target.
class Publisher {
 public:
  explicit Publisher(const NodeDeps& deps) : deps_(deps) {}

  absl::Status Publish(const PublishParams& params);
  absl::Status Unpublish(const UnpublishParams& params);

 private:
  absl::Status PublishMount(const PublishParams& params);
  absl::Status PublishBlock(const PublishParams& params);
  NodeDeps deps_;
};

}  // namespace byok::node
