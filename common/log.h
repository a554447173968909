#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

// Structured, leveled logging to stderr in klog-like text or JSON lines.
// Callers pass key/value fields instead of formatting them into the message, so a JSON
// consumer can index them. Nothing here knows about secrets: callers must never pass one
// (requests are logged through csi::RedactedText, which strips csi_secret fields).
namespace byok::log {

enum class Format { kText, kJson };
enum class Severity { kInfo, kWarning, kError };

struct Field {
  std::string_view key;
  std::string value;
};

void Configure(Format format, int verbosity);
int Verbosity();
inline bool V(int level) { return Verbosity() >= level; }

// Replaces stderr as the destination of formatted lines (tests capture output with it).
// Pass nullptr to restore stderr.
void SetSinkForTest(std::function<void(std::string_view line)> sink);

void Emit(Severity severity, std::string_view message, std::initializer_list<Field> fields);

inline void Info(std::string_view message, std::initializer_list<Field> fields = {}) {
  Emit(Severity::kInfo, message, fields);
}
inline void Warning(std::string_view message, std::initializer_list<Field> fields = {}) {
  Emit(Severity::kWarning, message, fields);
}
inline void Error(std::string_view message, std::initializer_list<Field> fields = {}) {
  Emit(Severity::kError, message, fields);
}
// Debug detail, emitted when --v >= level.
inline void Debug(int level, std::string_view message, std::initializer_list<Field> fields = {}) {
  if (V(level)) Emit(Severity::kInfo, message, fields);
}

}  // namespace byok::log
