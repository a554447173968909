#pragma once

#include <cstdint>

#include "node/crypt.h"

namespace byok::node {

// The pinned LUKS2 format. The passphrase is a random 256-bit key (or, in cinder mode, the
// hex of one), so PBKDF hardness adds nothing: a fixed small pbkdf2 cost means no per-node
// benchmark, no argon2 memory spikes, and the same unlock cost on every node.
struct LuksFormatParams {
  const char* cipher = "aes";
  const char* cipher_mode = "xts-plain64";
  size_t volume_key_bytes = 64;  // 512 bits: AES-256 in XTS
  uint32_t sector_size = 4096;
  const char* pbkdf_hash = "sha256";
  uint32_t pbkdf2_iterations = 1000;  // libcryptsetup's minimum for pbkdf2
};

// Crypt over the libcryptsetup C API. No cryptsetup binary, no key files: passphrases go from
// SecureBytes straight into the library. libcryptsetup's own messages go to the log at --v=4
// (they never contain key material), and the last error of a call is added to its status.
class LibCryptsetupCrypt : public Crypt {
 public:
  LibCryptsetupCrypt() : LibCryptsetupCrypt(LuksFormatParams()) {}
  explicit LibCryptsetupCrypt(LuksFormatParams params);

  absl::Status FormatLuks2(const std::string& device, const SecureBytes& passphrase,
                           const std::string& label) override;
  absl::StatusOr<int> CountKeyslots(const std::string& device) override;
  absl::Status VerifyPassphrase(const std::string& device, const SecureBytes& passphrase) override;
  absl::Status Activate(const std::string& device, const std::string& name,
                        const SecureBytes& passphrase) override;
  absl::StatusOr<MappingStatus> GetMapping(const std::string& name) override;
  absl::Status Deactivate(const std::string& name) override;
  absl::Status Resize(const std::string& name) override;

 private:
  LuksFormatParams params_;
};

}  // namespace byok::node
