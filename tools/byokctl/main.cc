// byokctl: call any CSI RPC on a plugin socket, with requests and responses in JSON.
//
//   byokctl [--endpoint=unix:///csi/csi.sock] [--timeout=SECONDS] METHOD [JSON|-]
//   byokctl list
//   byokctl keys KEY_ID
//   byokctl rotate FROM_KEY TO_KEY [--dry-run]     (tools/byokctl/keys.h)
//
// METHOD is "GetPluginInfo", "Node.NodeStageVolume" or "/csi.v1.Node/NodeStageVolume".
// Requests carrying secrets should be given as "-" (read from stdin): argv is visible to
// every user of the machine through /proc.
// Exit status: 0 on success, otherwise the gRPC status code (1..16), 64 on usage errors.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/strings.h"
#include "csi/client.h"
#include "tools/byokctl/keys.h"

namespace {

constexpr int kUsageError = 64;
constexpr const char* kCodeNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

int Usage() {
  std::fprintf(stderr,
               "usage: byokctl [--endpoint=unix:///csi/csi.sock] [--timeout=SECONDS] METHOD "
               "[JSON|-]\n       byokctl list\n       byokctl keys KEY_ID\n"
               "       byokctl rotate FROM_KEY TO_KEY [--dry-run]\n");
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint = "unix:///csi/csi.sock";
  if (const char* env = std::getenv("CSI_ENDPOINT")) endpoint = env;
  double timeout_seconds = 120;
  int i = 1;
  for (; i < argc && byok::StartsWith(argv[i], "--"); ++i) {
    std::string arg = argv[i];
    if (byok::StartsWith(arg, "--endpoint=")) {
      endpoint = arg.substr(11);
    } else if (byok::StartsWith(arg, "--timeout=")) {
      if (!absl::SimpleAtod(arg.substr(10), &timeout_seconds)) return Usage();
    } else {
      return Usage();
    }
  }
  if (i >= argc) return Usage();
  std::string method = argv[i++];
  if (method == "list") {
    for (const std::string& name : byok::csi::Client::ListMethods())
      std::printf("%s\n", name.c_str());
    return 0;
  }
  const bool key_command = method == "keys" || method == "rotate";
  if (key_command) {
    std::vector<std::string> args(argv + i, argv + argc);
    const bool dry_run = !args.empty() && args.back() == "--dry-run";
    if (dry_run) args.pop_back();
    if (args.size() != (method == "keys" ? 1u : 2u) || (dry_run && method == "keys")) {
      return Usage();
    }
    absl::StatusOr<byok::csi::Client> client = byok::csi::Client::Connect(endpoint);
    if (!client.ok()) {
      std::fprintf(stderr, "byokctl: %s\n", std::string(client.status().message()).c_str());
      return kUsageError;
    }
    const absl::Duration timeout = absl::Seconds(timeout_seconds);
    return method == "keys"
               ? byok::byokctl::ListKeyVolumes(*client, args[0], timeout)
               : byok::byokctl::RotateKeyVolumes(*client, args[0], args[1], dry_run, timeout);
  }
  std::string request = "{}";
  if (i < argc) {
    request = argv[i++];
    if (request == "-") {
      request.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
  }
  if (i < argc) return Usage();

  absl::StatusOr<byok::csi::Client> client = byok::csi::Client::Connect(endpoint);
  if (!client.ok()) {
    std::fprintf(stderr, "byokctl: %s\n", std::string(client.status().message()).c_str());
    return kUsageError;
  }
  std::string response;
  grpc::Status status =
      client->CallJson(method, request, &response, absl::Seconds(timeout_seconds));
  if (!status.ok()) {
    int code = status.error_code();
    std::fprintf(
        stderr, "%s: %s\n",
        code >= 0 && code < static_cast<int>(std::size(kCodeNames)) ? kCodeNames[code] : "UNKNOWN",
        status.error_message().c_str());
    return code;
  }
  std::printf("%s\n", response.c_str());
  return 0;
}
