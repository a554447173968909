#pragma once

#include <memory>
#include <string>

#include "openstack/microversion.h"
#include "openstack/nova.h"
#include "openstack/service_client.h"

namespace byok::openstack {

struct NovaOptions {
  // 2.60 (Queens) covers multiattach; newer features are not needed for attach/detach.
  std::string microversion = "2.60";
};

class RestNovaClient : public NovaClient {
 public:
  static absl::StatusOr<std::unique_ptr<RestNovaClient>> Create(AuthenticatedClient* auth,
                                                                NovaOptions options = {});

  absl::StatusOr<Server> GetServer(const CallOptions& o, const std::string& id) override;
  absl::StatusOr<ServerVolumeAttachment> AttachVolume(const CallOptions& o,
                                                      const std::string& server_id,
                                                      const std::string& volume_id) override;
  absl::Status DetachVolume(const CallOptions& o, const std::string& server_id,
                            const std::string& volume_id) override;
  absl::StatusOr<std::vector<ServerVolumeAttachment>> ListVolumeAttachments(
      const CallOptions& o, const std::string& server_id) override;
  absl::StatusOr<ServerVolumeAttachment> GetVolumeAttachment(const CallOptions& o,
                                                             const std::string& server_id,
                                                             const std::string& volume_id) override;

 private:
  RestNovaClient(AuthenticatedClient* auth, Microversion microversion)
      : svc_(auth, kServiceCompute, "nova"), microversion_(microversion) {}
  absl::StatusOr<HttpRequest> Request(HttpMethod method, std::string_view path,
                                      const CallOptions& o);

  ServiceClient svc_;
  const Microversion microversion_;
};

}  // namespace byok::openstack
