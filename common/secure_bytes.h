#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace byok {

// Holds key material. The bytes are wiped (OPENSSL_cleanse, which the compiler cannot
// elide) whenever the buffer is destroyed, resized or moved from. The type is move-only and
// offers no conversion to std::string, so key bytes cannot silently end up in a string that
// outlives them, in a log line or in a copy nobody wipes.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size);
  SecureBytes(const uint8_t* data, size_t size);
  static SecureBytes FromView(std::string_view bytes);
  ~SecureBytes();

  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes(SecureBytes&& other) noexcept;
  SecureBytes& operator=(SecureBytes&& other) noexcept;

  // An explicit copy, for the rare places that need two owners (e.g. a cache).
  [[nodiscard]] SecureBytes Clone() const;

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::span<const uint8_t> span() const { return {bytes_.data(), bytes_.size()}; }
  // A view for APIs that take char data (libcryptsetup, libcurl). The view must not be
  // stored beyond the lifetime of this object.
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  // Appends bytes; growth wipes the old allocation before releasing it.
  void Append(std::string_view bytes);
  void Wipe();

  // Lowercase hex of the bytes, itself a secret (os-brick derives LUKS passphrases this way).
  [[nodiscard]] SecureBytes ToLowerHex() const;

  // Constant-time equality: the running time does not depend on where the buffers differ.
  bool ConstantTimeEquals(const SecureBytes& other) const;

 private:
  void Reserve(size_t capacity);
  std::vector<uint8_t> bytes_;
};

}  // namespace byok
