#pragma once

#include "csi/csi.grpc.pb.h"

namespace byok::csi {

// CSI Identity: who we are, what we offer, and whether this process can serve.
class IdentityService final : public ::csi::v1::Identity::Service {
 public:
  // `controller` advertises CONTROLLER_SERVICE (only when the controller runs in this
  // process).
  explicit IdentityService(bool controller) : controller_(controller) {}

  grpc::Status GetPluginInfo(grpc::ServerContext* context,
                             const ::csi::v1::GetPluginInfoRequest* request,
                             ::csi::v1::GetPluginInfoResponse* response) override;
  grpc::Status GetPluginCapabilities(grpc::ServerContext* context,
                                     const ::csi::v1::GetPluginCapabilitiesRequest* request,
                                     ::csi::v1::GetPluginCapabilitiesResponse* response) override;
  grpc::Status Probe(grpc::ServerContext* context, const ::csi::v1::ProbeRequest* request,
                     ::csi::v1::ProbeResponse* response) override;

 private:
  bool controller_;
};

}  // namespace byok::csi
