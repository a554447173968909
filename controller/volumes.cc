// ListVolumes, ControllerGetVolume, ValidateVolumeCapabilities, GetCapacity.
#include "cloud/key_health.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/volume_capabilities.h"

namespace byok::controller {

using openstack::CallOptions;

namespace {

void FillVolume(const openstack::Volume& v, ::csi::v1::Volume* out) {
  out->set_volume_id(cloud::HandleFromMetadata(v.id, v.metadata));
  out->set_capacity_bytes(v.size_gib * kGiB);
  if (!v.availability_zone.empty()) {
    (*out->add_accessible_topology()->mutable_segments())[kTopologyZoneKey] = v.availability_zone;
  }
  // Which key the volume is under (an ID, not key material), so an operator can find the
  // volumes of a key through the CSI socket (byokctl keys).
  auto descriptor = envelope::FromMetadata(v.metadata);
  if (descriptor.ok() && descriptor->mode != envelope::Mode::kNone) {
    (*out->mutable_volume_context())["encryption"] =
        std::string(envelope::ModeName(descriptor->mode));
    (*out->mutable_volume_context())[kContextKeyId] = descriptor->key_id;
  }
}

// A volume is abnormal when Cinder reports an error state; the message says which.
void FillCondition(const openstack::Volume& v, ::csi::v1::VolumeCondition* condition) {
  bool abnormal = StartsWith(v.status, "error");
  condition->set_abnormal(abnormal);
  condition->set_message(StrCat("Cinder status is ", v.status));
}

// Revocation, as far as the driver's identity can tell (cloud::GoneKeyProblem).
void FillKeyCondition(const cloud::Clients& clients, const CallOptions& call,
                      const openstack::Volume& v, ::csi::v1::VolumeCondition* condition) {
  std::optional<std::string> problem = cloud::GoneKeyProblem(clients, call, v.metadata);
  if (!problem.has_value()) return;
  condition->set_abnormal(true);
  condition->set_message(StrCat(*problem, "; Cinder status is ", v.status));
}

}  // namespace

absl::Status ControllerService::DoListVolumes(absl::Time deadline,
                                              const ::csi::v1::ListVolumesRequest& request,
                                              ::csi::v1::ListVolumesResponse* response) {
  if (request.max_entries() < 0) return absl::InvalidArgumentError("max_entries must be >= 0");
  auto clients = cloud_->ForDriver(deadline);
  if (!clients.ok()) return clients.status();
  CallOptions call;
  call.deadline = deadline;
  openstack::ListRequest list;
  list.limit = request.max_entries();
  list.marker = request.starting_token();
  // Only this cluster's volumes: the project may hold others.
  list.metadata[kMetaCluster] = options_.cluster_id;
  auto page = clients->cinder->ListVolumes(call, list);
  if (!page.ok()) return ListPageError(page.status(), request.starting_token());
  for (const auto& v : page->volumes) {
    // DeleteVolume has answered OK for a volume Cinder is still deleting: to the CO it is
    // gone. The page token stays Cinder's marker, so skipping entries loses nothing.
    if (v.status == "deleting") continue;
    auto* entry = response->add_entries();
    FillVolume(v, entry->mutable_volume());
    for (const auto& a : v.attachments)
      entry->mutable_status()->add_published_node_ids(a.server_id);
    FillCondition(v, entry->mutable_status()->mutable_volume_condition());
  }
  response->set_next_token(page->next_marker);
  return absl::OkStatus();
}

absl::Status ControllerService::DoGetVolume(absl::Time deadline,
                                            const ::csi::v1::ControllerGetVolumeRequest& request,
                                            ::csi::v1::ControllerGetVolumeResponse* response) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  auto handle = cloud::ParseHandle(request.volume_id(), "volume");
  if (!handle.ok()) return handle.status();
  // ControllerGetVolume carries no Secret: a tenant's volume is only visible when the
  // driver's identity acts in the same project.
  auto clients = cloud::OwnerClients(*cloud_, *handle, cloud::RequestSecret{}, deadline,
                                     StrCat("volume ", request.volume_id()),
                                     "ControllerGetVolume carries no Secret");
  if (!clients.ok()) return clients.status();
  CallOptions call;
  call.deadline = deadline;
  auto volume = GetNamedVolume(*clients->cinder, call, handle->cinder_id);
  if (!volume.ok()) return volume.status();
  FillVolume(*volume, response->mutable_volume());
  for (const auto& a : volume->attachments) {
    response->mutable_status()->add_published_node_ids(a.server_id);
  }
  FillCondition(*volume, response->mutable_status()->mutable_volume_condition());
  if (!response->status().volume_condition().abnormal()) {
    FillKeyCondition(*clients, call, *volume,
                     response->mutable_status()->mutable_volume_condition());
  }
  return absl::OkStatus();
}

absl::Status ControllerService::DoValidate(
    absl::Time deadline, const ::csi::v1::ValidateVolumeCapabilitiesRequest& request,
    ::csi::v1::ValidateVolumeCapabilitiesResponse* response) {
  if (request.volume_id().empty()) return absl::InvalidArgumentError("volume_id is required");
  if (request.volume_capabilities().empty()) {
    return absl::InvalidArgumentError("volume_capabilities is required");
  }
  auto handle = cloud::ParseHandle(request.volume_id(), "volume");
  if (!handle.ok()) return handle.status();
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  auto clients =
      cloud::OwnerClients(*cloud_, *handle, *secret, deadline,
                          StrCat("volume ", request.volume_id()), "pass the tenant's Secret");
  if (!clients.ok()) return clients.status();
  CallOptions call;
  call.deadline = deadline;
  auto volume = GetNamedVolume(*clients->cinder, call, handle->cinder_id);
  if (!volume.ok()) return volume.status();
  if (absl::Status s = CheckCapabilities(request.volume_capabilities()); !s.ok()) {
    response->set_message(std::string(s.message()));  // not confirmed
    return absl::OkStatus();
  }
  auto* confirmed = response->mutable_confirmed();
  *confirmed->mutable_volume_capabilities() = request.volume_capabilities();
  *confirmed->mutable_volume_context() = request.volume_context();
  *confirmed->mutable_parameters() = request.parameters();
  return absl::OkStatus();
}

absl::Status ControllerService::DoGetCapacity(absl::Time deadline,
                                              const ::csi::v1::GetCapacityRequest& request,
                                              ::csi::v1::GetCapacityResponse* response) {
  for (const auto& capability : request.volume_capabilities()) {
    if (!CheckCapability(capability).ok()) {
      response->set_available_capacity(0);  // Spec: 0 when the capabilities cannot be met.
      return absl::OkStatus();
    }
  }
  auto clients = cloud_->ForDriver(deadline);
  if (!clients.ok()) return clients.status();
  CallOptions call;
  call.deadline = deadline;
  auto limits = clients->cinder->GetLimits(call);
  if (!limits.ok()) return limits.status();
  bool no_volumes_left =
      limits->max_total_volumes >= 0 && limits->total_volumes_used >= limits->max_total_volumes;
  if (no_volumes_left) {
    response->set_available_capacity(0);
  } else if (limits->max_total_gigabytes < 0) {
    // Unlimited quota: the backend's free space is not visible to a project user, so report
    // the largest representable capacity rather than blocking the scheduler with 0.
    response->set_available_capacity(std::numeric_limits<int64_t>::max());
  } else {
    int64_t left = std::max<int64_t>(0, limits->max_total_gigabytes - limits->total_gigabytes_used);
    response->set_available_capacity(left * kGiB);
    response->mutable_maximum_volume_size()->set_value(left * kGiB);
  }
  return absl::OkStatus();
}

}  // namespace byok::controller
