// libFuzzer target: a Barbican response body through the decoders as
// openstack/rest_barbican.cc applies them (secret metadata, secret_ref of a store reply,
// consumers list), plus ParseSecretRef on the raw text (a Secret's keyID reaches it as-is).
#include <cstdlib>

#include "fuzz/fuzz_util.h"
#include "openstack/barbican.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"

namespace json = byok::openstack::json;
namespace barbican = byok::openstack::barbican;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = byok::fuzz::AsView(data, size);
  if (auto id = barbican::ParseSecretRef(body); id.ok()) {
    // An accepted reference yields a canonical UUID (it goes into URLs unescaped).
    if (!barbican::IsUuid(*id)) abort();
  }
  (void)byok::openstack::ServiceMessage(body);
  auto doc = json::Parse(body, "barbican: fuzz");
  if (!doc.ok()) return 0;
  byok::openstack::SecretMetadata m = barbican::ParseSecretMetadata(*doc);
  (void)m.DefaultContentType();
  if (auto id = barbican::ParseSecretRef(json::String(*doc, "secret_ref")); id.ok()) {
    if (!barbican::IsUuid(*id)) abort();
  }
  if (const auto* l = json::Find(*doc, "consumers"); l && l->is_array()) {
    for (const auto& c : *l) {
      (void)json::String(c, "service");
      (void)json::String(c, "resource_type");
      (void)json::String(c, "resource_id");
    }
  }
  return 0;
}
