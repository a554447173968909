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

 protected:
  // The plumbing below is shared with the test-only NovaTestClient
  // (openstack/testing/test_clients.h), which adds the calls only tests make.
  RestNovaClient(AuthenticatedClient* auth, Microversion microversion)
      : svc_(auth, kServiceCompute, "nova"), microversion_(microversion) {}

  // "servers/<server_id><suffix>". Server IDs are CSI node IDs and volume IDs come from CSI
  // requests: one that would address another resource (".." or "a/b") is InvalidArgument
  // before anything is sent.
  static absl::StatusOr<std::string> ServerPath(std::string_view server_id,
                                                std::string_view suffix = "");
  // "servers/<server_id>/os-volume_attachments/<volume_id>", checked the same way.
  static absl::StatusOr<std::string> AttachmentPath(std::string_view server_id,
                                                    std::string_view volume_id);
  // A request to endpoint + `path` with both microversion headers (the call's, or the
  // default). The first error of `path`, the microversion and the endpoint.
  absl::StatusOr<HttpRequest> Request(HttpMethod method, const absl::StatusOr<std::string>& path,
                                      const CallOptions& o);
  ServiceClient& svc() { return svc_; }

 private:
  ServiceClient svc_;
  const Microversion microversion_;
};

}  // namespace byok::openstack
