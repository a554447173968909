#include "tools/byokctl/keys.h"

#include <cstdio>
#include <vector>

#include "common/strings.h"
#include "csi/csi.pb.h"

namespace byok::byokctl {
namespace {

// The key's volumes from ListVolumes, every page; false (and a message) when a call fails.
bool VolumesOfKey(const csi::Client& client, const std::string& key_id, absl::Duration timeout,
                  std::vector<::csi::v1::ListVolumesResponse::Entry>* out) {
  ::csi::v1::ListVolumesRequest request;
  do {
    ::csi::v1::ListVolumesResponse page;
    grpc::Status s = client.Call(csi::Client::FindMethod("ListVolumes"), request, &page, timeout);
    if (!s.ok()) {
      std::fprintf(stderr, "byokctl: ListVolumes: %s\n", s.error_message().c_str());
      return false;
    }
    for (const auto& entry : page.entries()) {
      auto key = entry.volume().volume_context().find("keyID");
      if (key != entry.volume().volume_context().end() && key->second == key_id) {
        out->push_back(entry);
      }
    }
    request.set_starting_token(page.next_token());
  } while (!request.starting_token().empty());
  return true;
}

std::string Nodes(const ::csi::v1::ListVolumesResponse::Entry& entry) {
  std::string nodes;
  for (const auto& node : entry.status().published_node_ids()) {
    StrAppend(&nodes, nodes.empty() ? "" : ",", node);
  }
  return nodes.empty() ? "-" : nodes;
}

}  // namespace

int ListKeyVolumes(const csi::Client& client, const std::string& key_id, absl::Duration timeout) {
  std::vector<::csi::v1::ListVolumesResponse::Entry> volumes;
  if (!VolumesOfKey(client, key_id, timeout, &volumes)) return 1;
  std::printf("%-40s %-9s %s\n", "VOLUME", "MODE", "PUBLISHED TO");
  for (const auto& v : volumes) {
    std::printf("%-40s %-9s %s\n", v.volume().volume_id().c_str(),
                v.volume().volume_context().at("encryption").c_str(), Nodes(v).c_str());
  }
  std::printf("%zu volume(s) under key %s\n", volumes.size(), key_id.c_str());
  return 0;
}

int RotateKeyVolumes(const csi::Client& client, const std::string& from_key,
                     const std::string& to_key, bool dry_run, absl::Duration timeout) {
  std::vector<::csi::v1::ListVolumesResponse::Entry> volumes;
  if (!VolumesOfKey(client, from_key, timeout, &volumes)) return 1;
  int failed = 0;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const std::string& id = volumes[i].volume().volume_id();
    if (dry_run) {
      std::printf("[%zu/%zu] %s: would rotate to %s\n", i + 1, volumes.size(), id.c_str(),
                  to_key.c_str());
      continue;
    }
    ::csi::v1::ControllerModifyVolumeRequest request;
    request.set_volume_id(id);
    (*request.mutable_secrets())["keyID"] = to_key;
    (*request.mutable_mutable_parameters())["keyRotation"] = "byokctl";
    ::csi::v1::ControllerModifyVolumeResponse response;
    grpc::Status s =
        client.Call(csi::Client::FindMethod("ControllerModifyVolume"), request, &response, timeout);
    failed += s.ok() ? 0 : 1;
    std::printf(
        "[%zu/%zu] %s: %s%s\n", i + 1, volumes.size(), id.c_str(),
        s.ok() ? "rotated to " : "FAILED: ", s.ok() ? to_key.c_str() : s.error_message().c_str());
    std::fflush(stdout);
  }
  std::printf("%s%zu volume(s) under key %s, %d failed\n", dry_run ? "dry run: " : "",
              volumes.size(), from_key.c_str(), failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace byok::byokctl
