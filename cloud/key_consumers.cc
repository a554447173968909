#include "cloud/key_consumers.h"

#include <atomic>

#include "common/log.h"
#include "common/strings.h"

namespace byok::cloud {
namespace {

openstack::SecretConsumer Consumer(std::string_view resource_type, const std::string& id) {
  return {kConsumerService, std::string(resource_type), id};
}

// One notice per process for a Barbican without consumers; other failures each time, since
// they name the key and the resource the operator may want to fix by hand.
void Report(const absl::Status& status, std::string_view action, const std::string& key_id,
            std::string_view resource_type, const std::string& resource_id) {
  static std::atomic<bool> told_unsupported{false};
  if (absl::IsUnimplemented(status)) {
    if (!told_unsupported.exchange(true)) {
      log::Info("Barbican offers no secret consumers; volumes are not recorded on their keys",
                {{"reason", std::string(status.message())}});
    }
    return;
  }
  log::Warning(StrCat("could not ", action, " a Barbican key consumer"),
               {{"key_id", key_id},
                {"resource_type", std::string(resource_type)},
                {"resource_id", resource_id},
                {"error", std::string(status.message())}});
}

}  // namespace

void RegisterKeyConsumer(const Clients& clients, const openstack::CallOptions& call,
                         const std::string& key_id, std::string_view resource_type,
                         const std::string& resource_id) {
  if (key_id.empty()) return;
  absl::Status s =
      clients.barbican->RegisterConsumer(call, key_id, Consumer(resource_type, resource_id));
  if (!s.ok()) Report(s, "register", key_id, resource_type, resource_id);
}

void RemoveKeyConsumer(const Clients& clients, const openstack::CallOptions& call,
                       const std::string& key_id, std::string_view resource_type,
                       const std::string& resource_id) {
  if (key_id.empty()) return;
  absl::Status s =
      clients.barbican->UnregisterConsumer(call, key_id, Consumer(resource_type, resource_id));
  if (!s.ok() && !absl::IsNotFound(s)) Report(s, "remove", key_id, resource_type, resource_id);
}

}  // namespace byok::cloud
