// libFuzzer target: a Nova response body through the decoders as openstack/rest_nova.cc
// applies them.
#include "fuzz/fuzz_util.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/nova.h"

namespace json = byok::openstack::json;
namespace nova = byok::openstack::nova;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = byok::fuzz::AsView(data, size);
  (void)byok::openstack::ServiceMessage(body);
  auto doc = json::Parse(body, "nova: fuzz");
  if (!doc.ok()) return 0;
  if (const auto* s = json::Find(*doc, "server")) (void)nova::ParseServer(*s);
  if (const auto* a = json::Find(*doc, "volumeAttachment")) (void)nova::ParseVolumeAttachment(*a);
  if (const auto* l = json::Find(*doc, "volumeAttachments"); l && l->is_array())
    for (const auto& a : *l) (void)nova::ParseVolumeAttachment(a);
  return 0;
}
