#include "envelope/key_wrap.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "common/strings.h"

namespace byok::envelope {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kWrappedBytes = 1 + kNonceBytes + kDekBytes + kTagBytes;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Length-prefixed fields so ("ab","c") and ("a","bc") differ.
std::string AssociatedData(const WrapContext& context) {
  std::string aad = "cinder-byok-csi/envelope/v1";
  for (const std::string* field : {&context.volume_name, &context.key_id}) {
    uint32_t n = static_cast<uint32_t>(field->size());
    for (int i = 3; i >= 0; --i) aad.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    aad += *field;
  }
  return aad;
}

std::string Base64Encode(const uint8_t* data, size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(n);
  return out;
}

// Strict base64 of exactly kWrappedBytes bytes.
absl::StatusOr<std::string> Base64DecodeWrapped(std::string_view text) {
  if (text.size() != 4 * ((kWrappedBytes + 2) / 3)) {
    return absl::InvalidArgumentError(StrCat("wrapped data key has ", text.size(),
                                             " characters, expected ",
                                             4 * ((kWrappedBytes + 2) / 3)));
  }
  std::string out(3 * (text.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return absl::InvalidArgumentError("wrapped data key is not valid base64");
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  // Base64 pads with at most two '='; a run of them (found by fuzz_unwrap_dek) would make the
  // size below negative.
  if (padding > 2 || static_cast<size_t>(n) < padding) {
    return absl::InvalidArgumentError("wrapped data key is not valid base64");
  }
  out.resize(static_cast<size_t>(n) - padding);
  if (out.size() != kWrappedBytes) {
    return absl::InvalidArgumentError("wrapped data key has the wrong length");
  }
  return out;
}

absl::Status CheckKek(const SecureBytes& kek) {
  if (kek.size() != kKekBytes) {
    return absl::InvalidArgumentError(
        StrCat("the key must be 256 bits (32 bytes) but has ", kek.size(), " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SecureBytes> GenerateDek() {
  SecureBytes dek(kDekBytes);
  if (RAND_bytes(dek.data(), static_cast<int>(dek.size())) != 1) {
    return absl::InternalError("OpenSSL's random generator failed");
  }
  return dek;
}

absl::StatusOr<std::string> WrapDek(const SecureBytes& kek, const SecureBytes& dek,
                                    const WrapContext& context) {
  if (absl::Status s = CheckKek(kek); !s.ok()) return s;
  if (dek.size() != kDekBytes) return absl::InternalError("data key has the wrong length");
  uint8_t out[kWrappedBytes];
  out[0] = kVersion;
  uint8_t* nonce = out + 1;
  uint8_t* ciphertext = nonce + kNonceBytes;
  uint8_t* tag = ciphertext + kDekBytes;
  if (RAND_bytes(nonce, kNonceBytes) != 1) {
    return absl::InternalError("OpenSSL's random generator failed");
  }
  std::string aad = AssociatedData(context);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, kek.data(), nonce) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), ciphertext, &len, dek.data(),
                              static_cast<int>(dek.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), ciphertext + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM wrap failed");
  // The ciphertext is not secret, but nothing of the DEK may linger in this stack frame
  // longer than needed either way; only the encoded copy leaves.
  return Base64Encode(out, sizeof(out));
}

absl::StatusOr<SecureBytes> UnwrapDek(const SecureBytes& kek, std::string_view wrapped,
                                      const WrapContext& context) {
  if (absl::Status s = CheckKek(kek); !s.ok()) return s;
  absl::StatusOr<std::string> raw = Base64DecodeWrapped(wrapped);
  if (!raw.ok()) return raw.status();
  const auto* bytes = reinterpret_cast<const uint8_t*>(raw->data());
  if (bytes[0] != kVersion) {
    return absl::InvalidArgumentError(StrCat("wrapped data key has format version ", bytes[0],
                                             "; this driver reads version ", kVersion));
  }
  const uint8_t* nonce = bytes + 1;
  const uint8_t* ciphertext = nonce + kNonceBytes;
  const uint8_t* tag = ciphertext + kDekBytes;
  std::string aad = AssociatedData(context);
  SecureBytes dek(kDekBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, kek.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), dek.data(), &len, ciphertext,
                              static_cast<int>(kDekBytes)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                                const_cast<uint8_t*>(tag)) == 1;
  if (!ok) return absl::InternalError("AES-256-GCM unwrap failed to start");
  if (EVP_DecryptFinal_ex(ctx.get(), dek.data() + len, &len) != 1) {
    dek.Wipe();
    return absl::PermissionDeniedError(
        "the key does not unwrap this volume's data key (wrong key, or the wrapped key belongs "
        "to another volume)");
  }
  return dek;
}

}  // namespace byok::envelope
