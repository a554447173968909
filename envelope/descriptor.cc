#include "envelope/descriptor.h"

#include <cctype>

#include "common/strings.h"

namespace byok::envelope {

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kNone:
      return "none";
    case Mode::kEnvelope:
      return "envelope";
    case Mode::kCinder:
      return "cinder";
  }
  return "none";
}

absl::StatusOr<Mode> ParseMode(std::string_view name) {
  if (name == "none") return Mode::kNone;
  if (name == "envelope") return Mode::kEnvelope;
  if (name == "cinder") return Mode::kCinder;
  return absl::InvalidArgumentError(
      StrCat("encryption mode \"", name, "\" is not one of envelope, cinder, none"));
}

std::string_view LuksStateName(LuksState state) {
  return state == LuksState::kFormatted ? "formatted" : "pending";
}

std::map<std::string, std::string> ToMetadata(const Descriptor& descriptor) {
  std::map<std::string, std::string> out;
  if (descriptor.mode == Mode::kNone) return out;
  out[kMetaFormat] = std::to_string(kFormatVersion);
  out[kMetaMode] = std::string(ModeName(descriptor.mode));
  out[kMetaKeyId] = descriptor.key_id;
  if (descriptor.mode == Mode::kEnvelope) {
    out[kMetaWrappedDek] = descriptor.wrapped_dek;
    out[kMetaLuks] = std::string(LuksStateName(descriptor.luks_state));
  }
  return out;
}

absl::StatusOr<Descriptor> FromMetadata(const std::map<std::string, std::string>& metadata) {
  auto get = [&](const char* key) -> const std::string* {
    auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
  };
  Descriptor d;
  const std::string* mode = get(kMetaMode);
  if (mode == nullptr) return d;
  const std::string* format = get(kMetaFormat);
  if (format == nullptr || *format != std::to_string(kFormatVersion)) {
    return absl::DataLossError(StrCat("volume metadata ", kMetaFormat, " is \"",
                                      format ? *format : "", "\"; this driver reads version ",
                                      kFormatVersion));
  }
  absl::StatusOr<Mode> parsed = ParseMode(*mode);
  if (!parsed.ok())
    return absl::DataLossError(
        StrCat("volume metadata ", kMetaMode, ": ", ToStd(parsed.status().message())));
  d.mode = *parsed;
  const std::string* key_id = get(kMetaKeyId);
  if (key_id == nullptr || !IsUuid(*key_id)) {
    return absl::DataLossError(StrCat("volume metadata ", kMetaKeyId, " is missing or not a UUID"));
  }
  d.key_id = *key_id;
  if (d.mode == Mode::kEnvelope) {
    const std::string* wrapped = get(kMetaWrappedDek);
    if (wrapped == nullptr || wrapped->empty()) {
      return absl::DataLossError(StrCat("volume metadata ", kMetaWrappedDek,
                                        " is missing: the volume's data key is gone "
                                        "(crypto-erased?)"));
    }
    d.wrapped_dek = *wrapped;
    const std::string* luks = get(kMetaLuks);
    if (luks != nullptr && *luks == "formatted") {
      d.luks_state = LuksState::kFormatted;
    } else if (luks == nullptr || *luks == "pending") {
      d.luks_state = LuksState::kPending;
    } else {
      return absl::DataLossError(StrCat("volume metadata ", kMetaLuks, " is \"", *luks, "\""));
    }
  }
  return d;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::string WrapNameOf(const std::map<std::string, std::string>& metadata,
                       const std::string& display_name) {
  auto it = metadata.find(kMetaCsiName);
  return it == metadata.end() || it->second.empty() ? display_name : it->second;
}

}  // namespace byok::envelope
