#include "csi/server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strings.h"
#include "csi/endpoint.h"
#include "csi/rpc_interceptor.h"

namespace byok::csi {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      const std::vector<grpc::Service*>& services) {
  absl::StatusOr<std::string> path = UnixSocketPath(options.endpoint);
  if (!path.ok()) return path.status();
  if (absl::Status prepared = PrepareSocketPath(*path); !prepared.ok()) return prepared;

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(StrCat("unix://", *path), grpc::InsecureServerCredentials(),
                           &selected_port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  grpc::ResourceQuota quota("csi-server");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<RpcInterceptorFactory>(options.metrics));
  builder.experimental().SetInterceptorCreators(std::move(creators));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    return absl::UnavailableError(StrCat("cannot listen on ", options.endpoint));
  }
  // Only kubelet and the sidecars (same pod or root on the node) should talk to us.
  chmod(path->c_str(), 0660);
  log::Info("serving", {{"endpoint", StrCat("unix://", *path)}});
  return std::unique_ptr<Server>(new Server(std::move(server), *std::move(path)));
}

Server::~Server() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
}

void Server::Shutdown(absl::Duration grace) {
  log::Info("shutting down", {{"grace", absl::FormatDuration(grace)}});
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

void Server::Wait() { server_->Wait(); }

}  // namespace byok::csi
