#pragma once

// Barbican secret consumers: every volume and snapshot the driver makes is registered on the
// tenant key it is bound to, so the key's owner can see (`openstack secret consumer list`)
// what would be lost with it. Best effort: a Barbican without consumers (before key-manager
// microversion 1.1) or a refusal is logged and never fails the CSI call, since the volume's
// use of the key does not depend on the record.
#include <string>
#include <string_view>

#include "cloud/cloud_access.h"
#include "openstack/call_options.h"

namespace byok::cloud {

inline constexpr char kConsumerService[] = "volume";  // the OpenStack service type of Cinder
inline constexpr char kConsumerVolume[] = "volume";
inline constexpr char kConsumerSnapshot[] = "snapshot";

// Registers (an upsert: safe to repeat) or removes `resource_type`/`resource_id` as a
// consumer of Barbican key `key_id`. Removing from a key or record that is gone is success.
void RegisterKeyConsumer(const Clients& clients, const openstack::CallOptions& call,
                         const std::string& key_id, std::string_view resource_type,
                         const std::string& resource_id);
void RemoveKeyConsumer(const Clients& clients, const openstack::CallOptions& call,
                       const std::string& key_id, std::string_view resource_type,
                       const std::string& resource_id);

}  // namespace byok::cloud
