// libFuzzer target: provisioner Secret -> cloud::ParseRequestSecret, StorageClass parameters and
// the key it names -> controller::ParseVolumeSpec,
// plus the descriptor the controller would store for the result (envelope::ToMetadata /
// FromMetadata must round-trip for every accepted spec).
#include <cstdlib>

#include "cloud/request_secret.h"
#include "controller/parameters.h"
#include "envelope/descriptor.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> params, secrets;
  byok::fuzz::ParseKeyValueLines(byok::fuzz::AsView(data, size), &params, &secrets);
  auto secret = byok::cloud::ParseRequestSecret(secrets);
  if (!secret.ok()) {
    if (secret.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  auto spec = byok::controller::ParseVolumeSpec(params, secret->key_id);
  if (!spec.ok()) {
    // Every refusal is InvalidArgument (the provisioner must not retry it forever).
    if (spec.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  // Invariants documented in parameters.h.
  bool has_key = !spec->key_id.empty();
  if ((spec->mode == byok::envelope::Mode::kNone) == has_key) abort();

  // Metadata for the volume (what create_volume stores) and back.
  byok::envelope::Descriptor d;
  d.mode = spec->mode;
  d.key_id = spec->key_id;
  if (d.mode == byok::envelope::Mode::kEnvelope) d.wrapped_dek = "AAAA";
  auto back = byok::envelope::FromMetadata(byok::envelope::ToMetadata(d));
  if (back.ok() && (back->mode != d.mode || back->key_id != d.key_id)) abort();
  return 0;
}
