#include "csi/client.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>

#include <future>

#include "common/strings.h"
#include "csi/csi.pb.h"
#include "csi/endpoint.h"

namespace byok::csi {
namespace {

const google::protobuf::FileDescriptor* CsiFile() {
  return ::csi::v1::ProbeRequest::descriptor()->file();
}

}  // namespace

absl::StatusOr<Client> Client::Connect(std::string_view endpoint) {
  absl::StatusOr<std::string> path = UnixSocketPath(endpoint);
  if (!path.ok()) return path.status();
  return Client(grpc::CreateChannel(StrCat("unix://", *path), grpc::InsecureChannelCredentials()));
}

const google::protobuf::MethodDescriptor* Client::FindMethod(std::string_view name) {
  std::string_view service_name;
  std::string_view method_name = name;
  if (StartsWith(name, "/")) {
    std::vector<std::string_view> parts = Split(name.substr(1), '/');
    if (parts.size() != 2) return nullptr;
    service_name = parts[0];
    if (StartsWith(service_name, "csi.v1.")) service_name.remove_prefix(7);
    method_name = parts[1];
  } else if (size_t dot = name.find('.'); dot != std::string_view::npos) {
    service_name = name.substr(0, dot);
    method_name = name.substr(dot + 1);
  }
  const auto* file = CsiFile();
  for (int s = 0; s < file->service_count(); ++s) {
    const auto* service = file->service(s);
    if (!service_name.empty() && service->name() != service_name) continue;
    if (const auto* method = service->FindMethodByName(std::string(method_name))) return method;
  }
  return nullptr;
}

std::vector<std::string> Client::ListMethods() {
  std::vector<std::string> out;
  const auto* file = CsiFile();
  for (int s = 0; s < file->service_count(); ++s) {
    const auto* service = file->service(s);
    for (int m = 0; m < service->method_count(); ++m) {
      out.push_back(StrCat(service->name(), ".", service->method(m)->name()));
    }
  }
  return out;
}

std::unique_ptr<google::protobuf::Message> Client::NewRequest(
    const google::protobuf::MethodDescriptor* method) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method->input_type())
          ->New());
}

std::unique_ptr<google::protobuf::Message> Client::NewResponse(
    const google::protobuf::MethodDescriptor* method) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method->output_type())
          ->New());
}

grpc::Status Client::Call(const google::protobuf::MethodDescriptor* method,
                          const google::protobuf::Message& request,
                          google::protobuf::Message* response, absl::Duration timeout) const {
  std::string bytes;
  if (!request.SerializeToString(&bytes)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "cannot serialize the request");
  }
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::GenericStub stub(channel_);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, StrCat("/", method->service()->full_name(), "/", method->name()),
                 grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the response");
  }
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (!response->ParseFromString(out)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "cannot parse the response");
  }
  return grpc::Status::OK;
}

grpc::Status Client::CallJson(std::string_view method_name, std::string_view request_json,
                              std::string* response_json, absl::Duration timeout) const {
  const auto* method = FindMethod(method_name);
  if (method == nullptr) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        StrCat("unknown CSI method ", method_name));
  }
  std::unique_ptr<google::protobuf::Message> request = NewRequest(method);
  auto parsed = google::protobuf::util::JsonStringToMessage(
      std::string(request_json.empty() ? "{}" : request_json), request.get());
  if (!parsed.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        StrCat("request is not a valid ", method->input_type()->full_name(),
                               " in JSON: ", parsed.message().as_string()));
  }
  std::unique_ptr<google::protobuf::Message> response = NewResponse(method);
  grpc::Status status = Call(method, *request, response.get(), timeout);
  if (!status.ok()) return status;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  google::protobuf::util::MessageToJsonString(*response, response_json, options);
  return grpc::Status::OK;
}

}  // namespace byok::csi
