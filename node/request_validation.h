#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "node/params.h"

namespace csi::v1 {
class NodeStageVolumeRequest;
class NodeUnstageVolumeRequest;
class NodePublishVolumeRequest;
class NodeUnpublishVolumeRequest;
class NodeExpandVolumeRequest;
class NodeGetVolumeStatsRequest;
class VolumeCapability;
}  // namespace csi::v1

// The CSI spec's required fields per node RPC, and the values this driver supports. Missing or
// malformed fields are INVALID_ARGUMENT naming the field. Two cases the spec words differently:
// a NodePublishVolume without staging_target_path is FAILED_PRECONDITION (STAGE_UNSTAGE_VOLUME
// is advertised), and a well-formed capability the driver does not support (an access mode, a
// filesystem type) is FAILED_PRECONDITION for stage and publish ("exceeds capabilities") and
// INVALID_ARGUMENT for expand.
namespace byok::node {

absl::StatusOr<StageParams> ValidateStage(const ::csi::v1::NodeStageVolumeRequest& request);
absl::StatusOr<UnstageParams> ValidateUnstage(const ::csi::v1::NodeUnstageVolumeRequest& request);
absl::StatusOr<PublishParams> ValidatePublish(const ::csi::v1::NodePublishVolumeRequest& request);
absl::StatusOr<UnpublishParams> ValidateUnpublish(
    const ::csi::v1::NodeUnpublishVolumeRequest& request);
absl::StatusOr<ExpandParams> ValidateExpand(const ::csi::v1::NodeExpandVolumeRequest& request);
absl::StatusOr<StatsParams> ValidateStats(const ::csi::v1::NodeGetVolumeStatsRequest& request);

// Exposed for tests.
absl::StatusOr<VolumeAccess> ValidateCapability(const ::csi::v1::VolumeCapability& capability,
                                                std::string_view field,
                                                absl::StatusCode unsupported);

}  // namespace byok::node
