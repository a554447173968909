#include "csi/identity_service.h"

#include "csi/version.h"

namespace byok::csi {

using ::csi::v1::PluginCapability;

grpc::Status IdentityService::GetPluginInfo(grpc::ServerContext*,
                                            const ::csi::v1::GetPluginInfoRequest*,
                                            ::csi::v1::GetPluginInfoResponse* response) {
  response->set_name(kDriverName);
  response->set_vendor_version(kDriverVersion);
  return grpc::Status::OK;
}

grpc::Status IdentityService::GetPluginCapabilities(
    grpc::ServerContext*, const ::csi::v1::GetPluginCapabilitiesRequest*,
    ::csi::v1::GetPluginCapabilitiesResponse* response) {
  if (controller_) {
    response->add_capabilities()->mutable_service()->set_type(
        PluginCapability::Service::CONTROLLER_SERVICE);
  }
  // Volumes live in one availability zone; the node reports its zone.
  response->add_capabilities()->mutable_service()->set_type(
      PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS);
  // Cinder extends in-use volumes (microversion 3.42) and the node grows LUKS and the
  // filesystem while mounted.
  response->add_capabilities()->mutable_volume_expansion()->set_type(
      PluginCapability::VolumeExpansion::ONLINE);
  return grpc::Status::OK;
}

grpc::Status IdentityService::Probe(grpc::ServerContext*, const ::csi::v1::ProbeRequest*,
                                    ::csi::v1::ProbeResponse* response) {
  // Probe feeds the livenessprobe sidecar: answering at all means this process serves. A
  // backend outage is no reason to restart it (csi::BackendMonitor reports those).
  response->mutable_ready()->set_value(true);
  return grpc::Status::OK;
}

}  // namespace byok::csi
