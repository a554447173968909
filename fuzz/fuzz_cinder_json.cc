// libFuzzer target: a Cinder response body through the decoders exactly as
// openstack/rest_cinder.cc applies them (json::Parse, then Find + Parse* per response kind).
#include "fuzz/fuzz_util.h"
#include "openstack/cinder_json.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/testing/test_api.h"

namespace json = byok::openstack::json;
namespace cinder = byok::openstack::cinder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = byok::fuzz::AsView(data, size);
  (void)byok::openstack::ServiceMessage(body);
  auto doc = json::Parse(body, "cinder: fuzz");
  if (!doc.ok()) return 0;
  if (const auto* v = json::Find(*doc, "volume")) (void)cinder::ParseVolume(*v);
  if (const auto* l = json::Find(*doc, "volumes"); l && l->is_array())
    for (const auto& item : *l) (void)cinder::ParseVolume(item);
  (void)cinder::NextMarker(*doc, "volumes_links");
  if (const auto* s = json::Find(*doc, "snapshot")) (void)cinder::ParseSnapshot(*s);
  if (const auto* l = json::Find(*doc, "snapshots"); l && l->is_array())
    for (const auto& item : *l) (void)cinder::ParseSnapshot(item);
  (void)cinder::NextMarker(*doc, "snapshots_links");
  (void)json::StringMap(*doc, "metadata");
  (void)cinder::ParseEncryptionMetadata(*doc);
  (void)cinder::ParseLimits(*doc);
  (void)cinder::ParseQuotaUsage(*doc);
  if (const auto* l = json::Find(*doc, "volume_types"); l && l->is_array())
    for (const auto& item : *l) (void)cinder::ParseVolumeType(item);
  if (const auto* t = json::Find(*doc, "volume_type")) (void)cinder::ParseVolumeType(*t);
  (void)cinder::ParseVolumeTypeEncryption(*doc);
  if (const auto* l = json::Find(*doc, "attachments"); l && l->is_array())
    for (const auto& item : *l) (void)cinder::ParseAttachment(item);
  if (const auto* a = json::Find(*doc, "attachment")) (void)cinder::ParseAttachment(*a);
  if (const auto* l = json::Find(*doc, "messages"); l && l->is_array())
    for (const auto& item : *l) (void)cinder::ParseUserMessage(item);
  (void)cinder::ParseApiVersion(*doc);
  return 0;
}
