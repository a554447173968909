#pragma once

#include <grpcpp/support/server_interceptor.h>

namespace byok::csi {

class Metrics;

// Logs every CSI call once it completes (method, volume or snapshot ID, duration, status
// code and, on failure, the message) and feeds the RPC metrics. With --v>=4 it also logs the
// request and response, through RedactedText so csi_secret fields never reach the log.
// Probe and gRPC health calls are logged only at --v>=5: livenessprobe calls them every few
// seconds.
class RpcInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Metrics* metrics_;  // may be null
};

}  // namespace byok::csi
