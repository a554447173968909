#include "common/log.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "absl/synchronization/mutex.h"
#include "common/strings.h"

namespace byok::log {
namespace {

std::atomic<int> g_verbosity{0};
std::atomic<Format> g_format{Format::kText};
absl::Mutex g_mu;
std::function<void(std::string_view)>* g_sink ABSL_GUARDED_BY(g_mu) = nullptr;

std::string Timestamp(bool iso) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  if (iso) {
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long>(micros));
  } else {
    std::snprintf(buf, sizeof(buf), "%02d%02d %02d:%02d:%02d.%06ld", tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(micros));
  }
  return buf;
}

// Quotes a value for the text format when it has spaces, quotes or control characters,
// so one log record always stays on one line.
std::string QuoteIfNeeded(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(value);
  return nlohmann::json(std::string(value))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void Configure(Format format, int verbosity) {
  g_format = format;
  g_verbosity = verbosity;
}

int Verbosity() { return g_verbosity.load(std::memory_order_relaxed); }

void SetSinkForTest(std::function<void(std::string_view)> sink) {
  absl::MutexLock lock(&g_mu);
  delete g_sink;
  g_sink = sink ? new std::function<void(std::string_view)>(std::move(sink)) : nullptr;
}

void Emit(Severity severity, std::string_view message, std::initializer_list<Field> fields) {
  std::string line;
  if (g_format.load() == Format::kJson) {
    nlohmann::json record;
    record["ts"] = Timestamp(true);
    record["level"] = severity == Severity::kInfo      ? "info"
                      : severity == Severity::kWarning ? "warning"
                                                       : "error";
    record["msg"] = std::string(message);
    for (const Field& f : fields) record[std::string(f.key)] = f.value;
    line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    char letter = severity == Severity::kInfo ? 'I' : severity == Severity::kWarning ? 'W' : 'E';
    line = StrCat(std::string(1, letter), Timestamp(false), " ",
                  static_cast<long>(syscall(SYS_gettid)), "] ", message);
    for (const Field& f : fields) StrAppend(&line, " ", f.key, "=", QuoteIfNeeded(f.value));
  }
  line.push_back('\n');

  absl::MutexLock lock(&g_mu);
  if (g_sink != nullptr) {
    (*g_sink)(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace byok::log
