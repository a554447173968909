#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "openstack/authenticated_client.h"
#include "openstack/cinder.h"
#include "openstack/curl_http.h"
#include "openstack/errors.h"
#include "openstack/keystone.h"
#include "openstack/testing/test_clients.h"

// Access to the lab started by tests/lab/up.sh (`. STATE_DIR/env.sh` first). Variables are
// read as LAB_<NAME>, falling back to the reference lab's OSLAB_<NAME>.
namespace byok::openstack::lab {

// LAB_<name> or OSLAB_<name>; "" when neither is set.
std::string Var(std::string_view name);
// A standard OS_* variable; "".
std::string OsVar(std::string_view name);

// Empty when the lab environment is present, else why it is not (for GTEST_SKIP).
std::string MissingLab();

// Skips the test when the lab is not running.
#define BYOK_REQUIRE_LAB()                                      \
  do {                                                          \
    std::string missing = ::byok::openstack::lab::MissingLab(); \
    if (!missing.empty()) GTEST_SKIP() << missing;              \
  } while (0)

// Credentials of the lab's users.
AuthOptions DemoPassword();  // OS_* (demo, project demo)
AuthOptions DemoAppCredential();
AuthOptions Alt();
AuthOptions Admin();

// One authenticated identity with all four clients on one HTTP client. The REST clients come
// with the calls only tests make (testing/test_clients.h).
struct Cloud {
  std::shared_ptr<HttpStats> stats;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<KeystoneTokenProvider> tokens;
  std::unique_ptr<AuthenticatedClient> auth;
  std::unique_ptr<testing::CinderTestClient> cinder;
  std::unique_ptr<testing::NovaTestClient> nova;
  std::unique_ptr<testing::BarbicanTestClient> barbican;
};
absl::StatusOr<std::unique_ptr<Cloud>> Connect(AuthOptions auth,
                                               KeystoneTokenProvider::Options options = {});

CallOptions Deadline(absl::Duration timeout = absl::Seconds(60));

// Polls until the volume has one of `want` (error/error_* statuses end the wait).
absl::StatusOr<Volume> WaitForVolume(CinderClient& cinder, const std::string& id,
                                     std::vector<std::string> want,
                                     absl::Duration timeout = absl::Seconds(120));
absl::StatusOr<Snapshot> WaitForSnapshot(CinderClient& cinder, const std::string& id,
                                         const std::string& want,
                                         absl::Duration timeout = absl::Seconds(60));
// Deletes a volume (waiting out transitional states) and waits until it is gone.
absl::Status DeleteVolumeAndWait(CinderClient& cinder, const std::string& id);
absl::Status DeleteSnapshotAndWait(CinderClient& cinder, const std::string& id);

// Runs registered cleanups in reverse order when destroyed, so they also run when an
// ASSERT_* ends the test early. Failures are reported with ADD_FAILURE.
class Cleanup {
 public:
  ~Cleanup();
  void Add(std::string what, std::function<absl::Status()> fn);

 private:
  std::vector<std::pair<std::string, std::function<absl::Status()>>> steps_;
};

// A name unique to this run, e.g. "byok-lab-<pid>-<n>-<suffix>".
std::string UniqueName(std::string_view suffix);
// `n` random bytes (a test key).
SecureBytes RandomKey(size_t n = 32);

}  // namespace byok::openstack::lab
