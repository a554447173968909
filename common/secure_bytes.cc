#include "common/secure_bytes.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

namespace byok {

SecureBytes::SecureBytes(size_t size) : bytes_(size, 0) {}

SecureBytes::SecureBytes(const uint8_t* data, size_t size) : bytes_(data, data + size) {}

SecureBytes SecureBytes::FromView(std::string_view bytes) {
  return SecureBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

SecureBytes::~SecureBytes() { Wipe(); }

SecureBytes::SecureBytes(SecureBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecureBytes SecureBytes::Clone() const { return SecureBytes(bytes_.data(), bytes_.size()); }

void SecureBytes::Wipe() {
  if (bytes_.capacity() > 0) {
    // Wipe the whole allocation, not just size(): earlier contents may sit beyond size().
    size_t size = bytes_.size();
    bytes_.resize(bytes_.capacity());
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.resize(size);
  }
  bytes_.clear();
}

void SecureBytes::Reserve(size_t capacity) {
  if (capacity <= bytes_.capacity()) return;
  // std::vector would free the old buffer without wiping it, so move by hand.
  std::vector<uint8_t> bigger;
  bigger.reserve(std::max(capacity, bytes_.capacity() * 2));
  bigger.assign(bytes_.begin(), bytes_.end());
  Wipe();
  bytes_ = std::move(bigger);
}

void SecureBytes::Append(std::string_view bytes) {
  Reserve(bytes_.size() + bytes.size());
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

SecureBytes SecureBytes::ToLowerHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  SecureBytes hex(bytes_.size() * 2);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    hex.bytes_[2 * i] = kDigits[bytes_[i] >> 4];
    hex.bytes_[2 * i + 1] = kDigits[bytes_[i] & 0x0f];
  }
  return hex;
}

bool SecureBytes::ConstantTimeEquals(const SecureBytes& other) const {
  if (bytes_.size() != other.bytes_.size()) return false;
  if (bytes_.empty()) return true;
  return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

}  // namespace byok
