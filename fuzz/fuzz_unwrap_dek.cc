// libFuzzer target: the wrapped-DEK decoder envelope::UnwrapDek with a fixed KEK.
//
// Input byte 0 picks the mode:
//   even: the rest is the base64 text as read from Cinder metadata; it must never unwrap
//         (finding a valid GCM tag by mutation is infeasible), and failures are only
//         InvalidArgument or PermissionDenied (key_wrap.h).
//   odd:  the rest is [dek(32)][pos(2)][xor(1)][volume name...]: wrap the DEK under the fixed
//         KEK for that volume, check it round-trips, then flip one byte of the text and check
//         the tampered text never unwraps to anything.
#include <cstdlib>
#include <cstring>
#include <string>

#include "envelope/key_wrap.h"
#include "fuzz/fuzz_util.h"

namespace envelope = byok::envelope;

namespace {
const byok::SecureBytes& Kek() {
  static const byok::SecureBytes* kek = [] {
    auto* k = new byok::SecureBytes(envelope::kKekBytes);
    for (size_t i = 0; i < k->size(); ++i) k->data()[i] = static_cast<uint8_t>(0xA5 ^ i);
    return k;
  }();
  return *kek;
}
const envelope::WrapContext kContext{"pvc-fuzz", "0b7e4d1a-6a2f-4c1b-9a51-8d8c2f0e1a11"};

void CheckFailure(const absl::Status& s) {
  if (s.code() != absl::StatusCode::kInvalidArgument &&
      s.code() != absl::StatusCode::kPermissionDenied)
    abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  std::string_view rest = byok::fuzz::AsView(data + 1, size - 1);
  if (mode % 2 == 0) {
    auto dek = envelope::UnwrapDek(Kek(), rest, kContext);
    if (dek.ok()) abort();  // a forged wrapped DEK was accepted
    CheckFailure(dek.status());
    return 0;
  }
  if (rest.size() < envelope::kDekBytes + 3) return 0;
  byok::SecureBytes dek = byok::SecureBytes::FromView(rest.substr(0, envelope::kDekBytes));
  size_t pos = static_cast<uint8_t>(rest[32]) | (static_cast<uint8_t>(rest[33]) << 8);
  uint8_t flip = static_cast<uint8_t>(rest[34]);
  envelope::WrapContext ctx{std::string(rest.substr(35)), kContext.key_id};
  auto wrapped = envelope::WrapDek(Kek(), dek, ctx);
  if (!wrapped.ok()) return 0;
  auto back = envelope::UnwrapDek(Kek(), *wrapped, ctx);
  if (!back.ok() || !back->ConstantTimeEquals(dek)) abort();  // round trip broken
  if (flip != 0 && !wrapped->empty()) {
    std::string tampered = *wrapped;
    tampered[pos % tampered.size()] ^= static_cast<char>(flip);
    auto t = envelope::UnwrapDek(Kek(), tampered, ctx);
    // A flip can land in base64 padding bits that decode to the same bytes; only a
    // different DEK would be a bug.
    if (t.ok() && !t->ConstantTimeEquals(dek)) abort();
    if (!t.ok()) CheckFailure(t.status());
  }
  // Bound to the volume name and key ID.
  envelope::WrapContext other = ctx;
  other.volume_name += "x";
  if (envelope::UnwrapDek(Kek(), *wrapped, other).ok()) abort();
  return 0;
}
