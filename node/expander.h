#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/node_deps.h"
#include "node/params.h"

namespace byok::node {

// NodeExpandVolume, online: rescan the disk until it shows the new size, grow the dm-crypt
// mapping (no passphrase: the volume key is in the dm table), then grow the filesystem
// (resize2fs / xfs_growfs) unless the volume is a raw block device. Returns the size the
// consumer now sees (the mapping's size for encrypted volumes).
class Expander {
 public:
  struct Options {
    absl::Duration poll_interval = absl::Milliseconds(500);
  };
  explicit Expander(const NodeDeps& deps) : Expander(deps, Options()) {}
  Expander(const NodeDeps& deps, Options options) : deps_(deps), options_(options) {}

  absl::StatusOr<int64_t> Expand(const ExpandParams& params, absl::Time deadline);

 private:
  NodeDeps deps_;
  Options options_;
};

}  // namespace byok::node
