#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

// Shared plumbing of the in-memory fakes: errors that look exactly like the REST clients'
// (same code table, same payloads), per-method call counters and injected failures.
namespace byok::openstack::testing {

// The status a REST client would return for this HTTP answer (errors.h table + payloads).
absl::Status FakeHttpError(std::string_view service, std::string_view what, int http_status,
                           std::string_view message);

class CallLog {
 public:
  // Counts a call to `method` and returns the failure injected for it, if any (consumed).
  absl::Status Enter(std::string_view method);
  // The next call of `method` fails with `status` (several queue up in order).
  void FailNext(std::string_view method, absl::Status status);
  int Count(std::string_view method) const;
  int Total() const;
  void Reset();

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int, std::less<>> counts_ ABSL_GUARDED_BY(mu_);
  std::multimap<std::string, absl::Status, std::less<>> failures_ ABSL_GUARDED_BY(mu_);
};

// Deterministic UUID-shaped ids: prefix 8 hex digits, then a counter.
std::string FakeUuid(uint32_t prefix, uint64_t n);

}  // namespace byok::openstack::testing
