#pragma once

// byokctl's operator commands on the volumes of one tenant key, through the controller's CSI
// socket (so with the driver's identity, on the volumes of its project and --cluster):
//   byokctl keys KEY_ID                 the volumes under the key, with the nodes each is
//                                       published to (a published volume may be open on that
//                                       node, whose mapping holds the data key until unstage)
//   byokctl rotate FROM_KEY TO_KEY [--dry-run]
//                                       ControllerModifyVolume(keyID=TO_KEY) on each volume
//                                       under FROM_KEY (its snapshots move with it), with one
//                                       progress line per volume; --dry-run only lists them
#include <string>

#include "absl/time/time.h"
#include "csi/client.h"

namespace byok::byokctl {

// Exit status: 0, or 1 when a call failed (the failures are printed).
int ListKeyVolumes(const csi::Client& client, const std::string& key_id, absl::Duration timeout);
int RotateKeyVolumes(const csi::Client& client, const std::string& from_key,
                     const std::string& to_key, bool dry_run, absl::Duration timeout);

}  // namespace byok::byokctl
