#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace byok::csi {

class Metrics;

struct ServerOptions {
  std::string endpoint;  // unix:///path
  Metrics* metrics = nullptr;
  // Upper bound on concurrently served calls; each CSI call may block for minutes.
  int max_threads = 64;
};

// A synchronous gRPC server on a unix socket with the logging interceptor and the gRPC health
// service. Services are owned by the caller and must outlive the server.
class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       const std::vector<grpc::Service*>& services);
  ~Server();

  // Stops accepting calls; calls in flight get until `grace` to finish, then are cancelled.
  void Shutdown(absl::Duration grace);
  void Wait();
  const std::string& socket_path() const { return socket_path_; }

 private:
  Server(std::unique_ptr<grpc::Server> server, std::string socket_path)
      : server_(std::move(server)), socket_path_(std::move(socket_path)) {}
  std::unique_ptr<grpc::Server> server_;
  std::string socket_path_;
};

}  // namespace byok::csi
