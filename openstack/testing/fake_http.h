#pragma once

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "openstack/errors.h"
#include "openstack/http.h"

namespace byok::openstack::testing {

// A scripted HttpClient: rules match on method and a URL substring, first match wins;
// every request is recorded. Unmatched requests fail with Internal naming the request.
class FakeHttpClient : public HttpClient {
 public:
  struct Recorded {
    HttpMethod method;
    std::string url;
    std::vector<HttpHeader> headers;
    SecureBytes auth_token;
    SecureBytes body;
    bool idempotent = false;
    absl::Time deadline;
    std::string service;
    std::string_view Header(std::string_view name) const;
  };

  struct Reply {
    Reply(int status = 200, std::string body = "", std::vector<HttpHeader> headers = {},
          std::string subject_token = "")
        : status(status),
          body(std::move(body)),
          headers(std::move(headers)),
          subject_token(std::move(subject_token)) {}
    int status;
    std::string body;
    std::vector<HttpHeader> headers;
    std::string subject_token;  // X-Subject-Token
  };

  // Answers matching requests with `reply`; `times` < 0 means forever.
  void On(HttpMethod method, std::string url_contains, Reply reply, int times = -1);
  // Fails matching requests with a transport error.
  void OnFailure(HttpMethod method, std::string url_contains, TransportFailure failure,
                 int times = -1);
  void Clear();

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

  size_t RequestCount() const;
  // A copy of the i-th request (secrets cloned).
  Recorded Request(size_t i) const;
  // How many recorded requests had this method and URL substring.
  int CountMatching(HttpMethod method, std::string_view url_contains) const;

 private:
  struct Rule {
    HttpMethod method;
    std::string url_contains;
    Reply reply;
    std::optional<TransportFailure> failure;
    int remaining;
  };
  mutable absl::Mutex mu_;
  std::vector<Rule> rules_ ABSL_GUARDED_BY(mu_);
  std::vector<Recorded> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace byok::openstack::testing
