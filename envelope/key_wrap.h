#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/secure_bytes.h"

namespace byok::envelope {

// Envelope encryption of a volume's data key (DEK) under the tenant's Barbican key (KEK).
//
// The DEK is 32 random bytes from OpenSSL's CSPRNG; it becomes the LUKS2 passphrase on the
// node. It is wrapped with AES-256-GCM under the KEK, with a fresh 96-bit nonce, and the
// associated data binds the ciphertext to the format version, the volume (its CSI name) and
// the KEK's Barbican ID: moving a wrapped DEK to another volume's metadata, or pairing it
// with another key ID, fails authentication instead of unlocking anything.
//
// Wire form (then base64 for Cinder metadata): version byte 0x01 || nonce(12) ||
// ciphertext(32) || tag(16) = 61 bytes, 84 base64 characters (Cinder allows 255).

inline constexpr size_t kDekBytes = 32;
inline constexpr size_t kKekBytes = 32;

// What a wrapped DEK is bound to.
struct WrapContext {
  std::string volume_name;  // the CSI volume name (CreateVolumeRequest.name)
  std::string key_id;       // the Barbican secret UUID of the KEK
};

// A new random DEK.
absl::StatusOr<SecureBytes> GenerateDek();

// Returns the base64 text stored in Cinder metadata.
absl::StatusOr<std::string> WrapDek(const SecureBytes& kek, const SecureBytes& dek,
                                    const WrapContext& context);

// Fails with PermissionDenied when the KEK is not the one the DEK was wrapped with (or the
// context differs, or the text was tampered with), and InvalidArgument when the text is not
// a wrapped DEK at all.
absl::StatusOr<SecureBytes> UnwrapDek(const SecureBytes& kek, std::string_view wrapped,
                                      const WrapContext& context);

}  // namespace byok::envelope
