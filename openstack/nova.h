#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "openstack/call_options.h"

// Nova compute API v2.1: the server facts and volume attachments the controller needs.
namespace byok::openstack {

struct Server {
  std::string id;
  std::string name;
  std::string status;             // ACTIVE, SHUTOFF, ERROR, ...
  std::string availability_zone;  // OS-EXT-AZ:availability_zone
  std::string task_state;         // OS-EXT-STS:task_state, "" when none
  std::string vm_state;           // OS-EXT-STS:vm_state
  std::string fault_message;      // fault.message of an ERROR server
};

struct ServerVolumeAttachment {
  std::string id;  // the volume id below 2.89
  std::string server_id;
  std::string volume_id;
  std::string device;         // Nova's guess only; find disks by serial instead
  std::string attachment_id;  // the Cinder attachment, >= 2.89
};

class NovaClient {
 public:
  virtual ~NovaClient() = default;
  virtual absl::StatusOr<Server> GetServer(const CallOptions& o, const std::string& id) = 0;
  // POST /servers/{id}/os-volume_attachments. Nova answers once the attachment is reserved;
  // the volume becomes in-use asynchronously (poll Cinder).
  virtual absl::StatusOr<ServerVolumeAttachment> AttachVolume(const CallOptions& o,
                                                              const std::string& server_id,
                                                              const std::string& volume_id) = 0;
  // Asynchronous as well: the volume becomes available later.
  virtual absl::Status DetachVolume(const CallOptions& o, const std::string& server_id,
                                    const std::string& volume_id) = 0;
};

namespace nova {
Server ParseServer(const nlohmann::json& server);
ServerVolumeAttachment ParseVolumeAttachment(const nlohmann::json& attachment);
}  // namespace nova

}  // namespace byok::openstack
