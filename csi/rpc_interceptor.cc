#include "csi/rpc_interceptor.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <chrono>
#include <string>
#include <string_view>

#include "common/log.h"
#include "common/strings.h"
#include "csi/metrics.h"
#include "csi/redact.h"

namespace byok::csi {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr std::string_view kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

std::string_view CodeName(grpc::StatusCode code) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(std::size(kCodeNames))) return "UNKNOWN";
  return kCodeNames[index];
}

// The object an RPC is about, for the log line: the volume for most calls, the snapshot for
// snapshot calls, the requested name for CreateVolume/CreateSnapshot.
std::string SubjectOf(const google::protobuf::Message& request) {
  const auto* descriptor = request.GetDescriptor();
  for (const char* name : {"volume_id", "snapshot_id", "source_volume_id", "name"}) {
    const auto* field = descriptor->FindFieldByName(name);
    if (field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        !field->is_repeated()) {
      std::string value = request.GetReflection()->GetString(request, field);
      if (!value.empty()) return value;
    }
  }
  return "";
}

class RpcInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(std::string method, Metrics* metrics)
      : method_(std::move(method)),
        metrics_(metrics),
        // Only csi.v1 methods carry protobuf messages we may inspect; the health service
        // passes raw byte buffers.
        is_csi_(StartsWith(method_, "/csi.v1.")),
        quiet_(!is_csi_ || EndsWith(method_, "/Probe")),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (is_csi_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      const auto* request =
          static_cast<const google::protobuf::Message*>(methods->GetRecvMessage());
      if (request != nullptr) {
        subject_ = SubjectOf(*request);
        if (log::V(quiet_ ? 5 : 4)) {
          log::Info("rpc request", {{"method", method_}, {"request", RedactedText(*request)}});
        }
      }
    }
    if (is_csi_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) &&
        log::V(quiet_ ? 5 : 4)) {
      const auto* response =
          static_cast<const google::protobuf::Message*>(methods->GetSendMessage());
      if (response != nullptr) {
        log::Info("rpc response", {{"method", method_}, {"response", RedactedText(*response)}});
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Finish(const grpc::Status& status) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string_view code = CodeName(status.error_code());
    if (metrics_ != nullptr) metrics_->ObserveRpc(method_, code, seconds);
    if (quiet_ && status.ok() && !log::V(5)) return;
    std::string duration = StrCat(static_cast<long>(seconds * 1000), "ms");
    if (status.ok()) {
      log::Info("rpc done", {{"method", method_},
                             {"volume", subject_},
                             {"duration", duration},
                             {"code", std::string(code)}});
    } else {
      log::Warning("rpc failed", {{"method", method_},
                                  {"volume", subject_},
                                  {"duration", duration},
                                  {"code", std::string(code)},
                                  {"error", status.error_message()}});
    }
  }

  std::string method_;
  Metrics* metrics_;
  bool is_csi_;
  bool quiet_;
  std::chrono::steady_clock::time_point start_;
  std::string subject_;
};

}  // namespace

grpc::experimental::Interceptor* RpcInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcInterceptor(info->method(), metrics_);
}

}  // namespace byok::csi
