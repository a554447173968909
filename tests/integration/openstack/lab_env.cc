#include "tests/integration/openstack/lab_env.h"

#include <openssl/rand.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "gtest/gtest.h"
#include "openstack/absl_compat.h"
#include "openstack/errors.h"

namespace byok::openstack::lab {

std::string Var(std::string_view name) {
  for (std::string_view prefix : {"LAB_", "OSLAB_"}) {
    const char* v = std::getenv(StrCat(prefix, name).c_str());
    if (v != nullptr && *v != '\0') return v;
  }
  return {};
}

std::string OsVar(std::string_view name) {
  const char* v = std::getenv(StrCat("OS_", name).c_str());
  return v == nullptr ? std::string() : std::string(v);
}

std::string MissingLab() {
  std::vector<std::string> missing;
  for (const char* os : {"AUTH_URL", "USERNAME", "PASSWORD", "PROJECT_NAME"}) {
    if (OsVar(os).empty()) missing.push_back(StrCat("OS_", os));
  }
  for (const char* v : {"DEMO_PROJECT_ID", "APPCRED_ID", "APPCRED_SECRET"}) {
    if (Var(v).empty()) missing.push_back(StrCat("LAB_", v));
  }
  if (missing.empty()) return {};
  std::string list;
  for (const std::string& m : missing) StrAppend(&list, list.empty() ? "" : ", ", m);
  return StrCat("lab not running (", list,
                " unset): start it with tests/lab/up.sh STATE_DIR and `. STATE_DIR/env.sh`");
}

namespace {

AuthOptions Base() {
  AuthOptions a;
  a.auth_url = OsVar("AUTH_URL");
  a.region = OsVar("REGION_NAME");
  if (a.region.empty()) a.region = Var("REGION");
  return a;
}

AuthOptions Password(std::string user, std::string_view password, std::string project) {
  AuthOptions a = Base();
  a.username = std::move(user);
  a.user_domain_name = "Default";
  a.password = SecureBytes::FromView(password);
  a.project_name = std::move(project);
  a.project_domain_name = "Default";
  return a;
}

}  // namespace

AuthOptions DemoPassword() {
  AuthOptions a = Base();
  a.username = OsVar("USERNAME");
  a.user_domain_name = OsVar("USER_DOMAIN_NAME");
  a.password = SecureBytes::FromView(OsVar("PASSWORD"));
  a.project_name = OsVar("PROJECT_NAME");
  a.project_domain_name = OsVar("PROJECT_DOMAIN_NAME");
  return a;
}

AuthOptions DemoAppCredential() {
  AuthOptions a = Base();
  a.application_credential_id = Var("APPCRED_ID");
  a.application_credential_secret = SecureBytes::FromView(Var("APPCRED_SECRET"));
  return a;
}

AuthOptions Alt() {
  std::string user = Var("ALT_USERNAME");
  std::string project = Var("ALT_PROJECT_NAME");
  return Password(user.empty() ? "alt" : user, Var("ALT_PASSWORD"),
                  project.empty() ? "alt" : project);
}

AuthOptions Admin() {
  std::string user = Var("ADMIN_USERNAME");
  return Password(user.empty() ? "admin" : user, Var("ADMIN_PASSWORD"), "admin");
}

absl::StatusOr<std::unique_ptr<Cloud>> Connect(AuthOptions auth,
                                               KeystoneTokenProvider::Options options) {
  auto cloud = std::make_unique<Cloud>();
  cloud->stats = std::make_shared<HttpStats>();
  CurlOptions curl;
  curl.tls = auth.tls;
  absl::StatusOr<std::unique_ptr<HttpClient>> http =
      NewHttpClient(curl, RetryPolicy(), cloud->stats);
  if (!http.ok()) return http.status();
  cloud->http = *std::move(http);
  cloud->tokens =
      std::make_unique<KeystoneTokenProvider>(std::move(auth), cloud->http.get(), options);
  cloud->auth = std::make_unique<AuthenticatedClient>(cloud->tokens.get(), cloud->http.get());
  absl::StatusOr<std::unique_ptr<testing::CinderTestClient>> cinder =
      testing::CinderTestClient::Create(cloud->auth.get());
  if (!cinder.ok()) return cinder.status();
  cloud->cinder = *std::move(cinder);
  absl::StatusOr<std::unique_ptr<testing::NovaTestClient>> nova =
      testing::NovaTestClient::Create(cloud->auth.get());
  if (!nova.ok()) return nova.status();
  cloud->nova = *std::move(nova);
  cloud->barbican = std::make_unique<testing::BarbicanTestClient>(cloud->auth.get());
  return cloud;
}

CallOptions Deadline(absl::Duration timeout) { return CallOptions::WithTimeout(timeout); }

absl::StatusOr<Volume> WaitForVolume(CinderClient& cinder, const std::string& id,
                                     std::vector<std::string> want, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(200);
  std::string last;
  while (absl::Now() < deadline) {
    absl::StatusOr<Volume> v = cinder.GetVolume(Deadline(), id);
    if (!v.ok()) return v.status();
    last = v->status;
    for (const std::string& w : want) {
      if (v->status == w) return v;
    }
    if (StartsWith(v->status, "error")) {
      return absl::FailedPreconditionError(StrCat("volume ", id, " went to ", v->status));
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 1.5, absl::Seconds(2));
  }
  return absl::DeadlineExceededError(
      StrCat("volume ", id, " still ", last, " after ", absl::FormatDuration(timeout)));
}

absl::StatusOr<Snapshot> WaitForSnapshot(CinderClient& cinder, const std::string& id,
                                         const std::string& want, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    absl::StatusOr<Snapshot> s = cinder.GetSnapshot(Deadline(), id);
    if (!s.ok()) return s.status();
    last = s->status;
    if (s->status == want) return s;
    if (StartsWith(s->status, "error")) {
      return absl::FailedPreconditionError(StrCat("snapshot ", id, " went to ", s->status));
    }
    absl::SleepFor(absl::Milliseconds(300));
  }
  return absl::DeadlineExceededError(StrCat("snapshot ", id, " still ", last));
}

absl::Status DeleteVolumeAndWait(CinderClient& cinder, const std::string& id) {
  // A volume still creating/attaching/detaching cannot be deleted yet.
  absl::StatusOr<Volume> v =
      WaitForVolume(cinder, id, {"available", "error", "in-use"}, absl::Seconds(120));
  if (!v.ok() && absl::IsNotFound(v.status())) return absl::OkStatus();
  absl::Status s = cinder.DeleteVolume(Deadline(), id);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  if (!s.ok()) return s;
  absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (absl::Now() < deadline) {
    absl::StatusOr<Volume> gone = cinder.GetVolume(Deadline(), id);
    if (absl::IsNotFound(gone.status())) return absl::OkStatus();
    if (gone.ok() && gone->status == "error_deleting") {
      return absl::InternalError(StrCat("volume ", id, " is error_deleting"));
    }
    absl::SleepFor(absl::Milliseconds(300));
  }
  return absl::DeadlineExceededError(StrCat("volume ", id, " not deleted in 120 s"));
}

absl::Status DeleteSnapshotAndWait(CinderClient& cinder, const std::string& id) {
  absl::StatusOr<Snapshot> s = WaitForSnapshot(cinder, id, "available");
  if (!s.ok() && absl::IsNotFound(s.status())) return absl::OkStatus();
  absl::Status d = cinder.DeleteSnapshot(Deadline(), id);
  if (absl::IsNotFound(d)) return absl::OkStatus();
  if (!d.ok()) return d;
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    if (absl::IsNotFound(cinder.GetSnapshot(Deadline(), id).status())) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(300));
  }
  return absl::DeadlineExceededError(StrCat("snapshot ", id, " not deleted in 60 s"));
}

Cleanup::~Cleanup() {
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    absl::Status s = it->second();
    if (!s.ok()) ADD_FAILURE() << "cleanup " << it->first << " failed: " << s;
  }
}

void Cleanup::Add(std::string what, std::function<absl::Status()> fn) {
  steps_.emplace_back(std::move(what), std::move(fn));
}

std::string UniqueName(std::string_view suffix) {
  static std::atomic<int> n{0};
  return StrCat("byok-lab-", getpid(), "-", ++n, "-", suffix);
}

SecureBytes RandomKey(size_t n) {
  SecureBytes key(n);
  RAND_bytes(key.data(), static_cast<int>(n));
  return key;
}

}  // namespace byok::openstack::lab
