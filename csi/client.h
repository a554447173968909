#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace google::protobuf {
class Message;
class MethodDescriptor;
}  // namespace google::protobuf

namespace byok::csi {

// Calls any csi.v1 RPC by name, as kubelet and the sidecars would, over a unix socket.
// Used by byokctl and by the conformance and lab tests.
class Client {
 public:
  // `endpoint`: unix:///path or a bare path.
  static absl::StatusOr<Client> Connect(std::string_view endpoint);

  // "NodeStageVolume", "Node.NodeStageVolume" or "/csi.v1.Node/NodeStageVolume".
  static const google::protobuf::MethodDescriptor* FindMethod(std::string_view name);
  // Every RPC of csi.v1, as "Service.Method".
  static std::vector<std::string> ListMethods();

  // A new, empty request/response message for `method`.
  static std::unique_ptr<google::protobuf::Message> NewRequest(
      const google::protobuf::MethodDescriptor* method);
  static std::unique_ptr<google::protobuf::Message> NewResponse(
      const google::protobuf::MethodDescriptor* method);

  grpc::Status Call(const google::protobuf::MethodDescriptor* method,
                    const google::protobuf::Message& request, google::protobuf::Message* response,
                    absl::Duration timeout) const;

  // Calls with a request in proto3 JSON; on success `response_json` gets the response.
  grpc::Status CallJson(std::string_view method, std::string_view request_json,
                        std::string* response_json, absl::Duration timeout) const;

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  explicit Client(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {}
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace byok::csi
