#include "openstack/curl_http.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <mutex>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/retrying_http_client.h"
#include "openstack/url.h"

namespace byok::openstack {
namespace {

// Response headers that carry credentials; they go to HttpResponse::subject_token and are
// never kept as plain strings.
bool IsSecretHeader(std::string_view lowered_name) {
  return lowered_name == "x-subject-token" || lowered_name == "x-auth-token";
}

struct ResponseSink {
  HttpResponse* response;
  size_t limit;
  bool overflow = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  size_t n = size * count;
  if (sink->response->body.size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  sink->response->body.Append(std::string_view(data, n));
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (StartsWith(line, "HTTP/")) {
    // A new status line (after 100 Continue, say): drop what the previous one sent.
    sink->response->headers.clear();
    sink->response->subject_token.Wipe();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = ToLower(StripWhitespace(line.substr(0, colon)));
  std::string_view value = StripWhitespace(line.substr(colon + 1));
  if (IsSecretHeader(name)) {
    if (name == "x-subject-token") sink->response->subject_token = SecureBytes::FromView(value);
    return n;
  }
  sink->response->headers.push_back({std::move(name), std::string(value)});
  return n;
}

// Wipes header lines before freeing them: one of them is "X-Auth-Token: <token>".
struct SlistDeleter {
  void operator()(curl_slist* list) const {
    for (curl_slist* p = list; p != nullptr; p = p->next) {
      if (p->data != nullptr) OPENSSL_cleanse(p->data, std::strlen(p->data));
    }
    curl_slist_free_all(list);
  }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool Append(Slist& list, const char* line) {
  curl_slist* next = curl_slist_append(list.get(), line);
  if (next == nullptr) return false;
  list.release();
  list.reset(next);
  return true;
}

TransportFailure Classify(CURLcode rc, bool sent_anything) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:  // reset during the handshake: no request bytes left yet
      return TransportFailure::kNotSent;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return TransportFailure::kTls;
    case CURLE_OPERATION_TIMEDOUT:
      return sent_anything ? TransportFailure::kTimeout : TransportFailure::kNotSent;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return sent_anything ? TransportFailure::kAfterSend : TransportFailure::kNotSent;
    default:
      return TransportFailure::kOther;
  }
}

class CurlTransport : public HttpClient {
 public:
  explicit CurlTransport(const CurlOptions& options) : options_(options) {
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlTransport::Lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlTransport::Unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    // Not CURL_LOCK_DATA_CONNECT: libcurl 7.88 documents a shared connection cache as unsafe
    // across concurrent threads (known bug "A shared connection cache is not thread-safe").
    // Pooled easy handles keep their own live connections, which gives reuse anyway.
  }

  ~CurlTransport() override {
    absl::MutexLock lock(&pool_mu_);
    for (CURL* h : idle_) curl_easy_cleanup(h);
    idle_.clear();
    curl_share_cleanup(share_);
  }

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<CurlTransport*>(user)->locks_[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<CurlTransport*>(user)->locks_[data].unlock();
  }

  CURL* Acquire() {
    {
      absl::MutexLock lock(&pool_mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    // Reset drops options (and pointers into the finished request) but keeps live
    // connections and caches, which is the point of pooling.
    curl_easy_reset(h);
    absl::MutexLock lock(&pool_mu_);
    if (idle_.size() < options_.max_idle_handles) {
      idle_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  void Configure(CURL* h, const HttpRequest& request, curl_slist* headers, ResponseSink* sink,
                 char* error_buffer, absl::Duration timeout);

  const CurlOptions options_;
  CURLSH* share_ = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks_;
  absl::Mutex pool_mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(pool_mu_);
};

void CurlTransport::Configure(CURL* h, const HttpRequest& request, curl_slist* headers,
                              ResponseSink* sink, char* error_buffer, absl::Duration timeout) {
  auto ms = [](absl::Duration d) { return std::max<long>(1, absl::ToInt64Milliseconds(d)); };
  curl_easy_setopt(h, CURLOPT_SHARE, share_);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // required with threads and timeouts
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms(timeout));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms(std::min(timeout, options_.connect_timeout)));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
  // TLS: verification stays on unless tls-insecure was configured.
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.tls.insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.tls.insecure ? 0L : 2L);
  if (!options_.tls.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.tls.ca_file.c_str());
  }
  if (!options_.tls.cert_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, options_.tls.cert_file.c_str());
  }
  if (!options_.tls.key_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLKEY, options_.tls.key_file.c_str());
  }
  // The body is passed by pointer (never copied by libcurl); it outlives the perform call.
  const char* body = request.body.empty() ? "" : request.body.view().data();
  auto body_size = static_cast<curl_off_t>(request.body.size());
  switch (request.method) {
    case HttpMethod::kGet:
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      break;
    case HttpMethod::kHead:
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
      break;
    case HttpMethod::kPost:
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
      break;
    case HttpMethod::kPut:
    case HttpMethod::kPatch:
    case HttpMethod::kDelete:
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, std::string(MethodName(request.method)).c_str());
      // PUT/PATCH always send a Content-Length; DELETE only when it has a body (Barbican
      // consumers take one).
      if (request.method != HttpMethod::kDelete || !request.body.empty()) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
      }
      break;
  }
}

absl::StatusOr<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  const absl::Time start = absl::Now();
  const std::string what = StrCat(MethodName(request.method), " ", RedactUrl(request.url));
  absl::Duration left = request.deadline - start;
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(StrCat(what, ": deadline passed before sending"));
  }
  Slist headers;
  bool ok = Append(headers, "Expect:");  // no 100-continue round trip for larger bodies
  for (const HttpHeader& h : request.headers) {
    ok = ok && Append(headers, StrCat(h.name, ": ", h.value).c_str());
  }
  if (!request.auth_token.empty()) {
    SecureBytes line = SecureBytes::FromView("X-Auth-Token: ");
    line.Append(request.auth_token.view());
    line.Append(std::string_view("\0", 1));
    ok = ok && Append(headers, reinterpret_cast<const char*>(line.data()));
  }
  if (!ok) return TransportError(TransportFailure::kOther, StrCat(what, ": out of memory"));

  CURL* h = Acquire();
  if (h == nullptr) {
    return TransportError(TransportFailure::kOther, StrCat(what, ": curl_easy_init failed"));
  }
  HttpResponse response;
  ResponseSink sink{&response, options_.max_response_bytes};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  // CUSTOMREQUEST copies its string, so a temporary is fine in Configure.
  Configure(h, request, headers.get(), &sink, error_buffer,
            std::min(options_.attempt_timeout, left));
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  long request_size = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
  Release(h);
  response.duration = absl::Now() - start;

  if (rc != CURLE_OK) {
    TransportFailure failure = Classify(rc, request_size > 0);
    std::string detail =
        sink.overflow ? StrCat("response larger than ", options_.max_response_bytes, " bytes")
                      : StrCat(curl_easy_strerror(rc),
                               error_buffer[0] ? StrCat(": ", error_buffer) : std::string());
    log::Debug(4, "OpenStack request failed",
               {{"service", request.service},
                {"method", std::string(MethodName(request.method))},
                {"url", RedactUrl(request.url)},
                {"failure", std::string(TransportFailureName(failure))},
                {"error", detail},
                {"duration", absl::FormatDuration(response.duration)}});
    // A timeout that ran into the caller's deadline is the caller's DEADLINE_EXCEEDED (the
    // service may still be working); a shorter per-attempt or connect timeout is UNAVAILABLE.
    const bool out_of_time =
        rc == CURLE_OPERATION_TIMEDOUT && absl::Now() + absl::Milliseconds(20) >= request.deadline;
    return TransportError(
        failure, StrCat(what, ": ", detail),
        out_of_time ? absl::StatusCode::kDeadlineExceeded : absl::StatusCode::kUnavailable);
  }
  response.status = static_cast<int>(status);
  log::Debug(4, "OpenStack request",
             {{"service", request.service},
              {"method", std::string(MethodName(request.method))},
              {"url", RedactUrl(request.url)},
              {"status", StrCat(response.status)},
              {"request_id", std::string(response.RequestId())},
              {"duration", absl::FormatDuration(response.duration)}});
  return response;
}

absl::Status CheckReadable(std::string_view key, const std::string& path) {
  if (path.empty() || access(path.c_str(), R_OK) == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat("TLS ", key, " \"", path, "\" is not readable: ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpClient>> NewCurlTransport(const CurlOptions& options) {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return absl::InternalError(StrCat("curl_global_init: ", curl_easy_strerror(init)));
  }
  for (auto [key, path] :
       {std::pair<std::string_view, const std::string&>{"ca-file", options.tls.ca_file},
        {"cert-file", options.tls.cert_file},
        {"key-file", options.tls.key_file}}) {
    absl::Status readable = CheckReadable(key, path);
    if (!readable.ok()) return readable;
  }
  if (options.tls.insecure) {
    log::Warning(
        "TLS verification is disabled (tls-insecure): OpenStack endpoints are not "
        "authenticated");
  }
  return std::unique_ptr<HttpClient>(new CurlTransport(options));
}

absl::StatusOr<std::unique_ptr<HttpClient>> NewHttpClient(const CurlOptions& options,
                                                          const RetryPolicy& policy,
                                                          std::shared_ptr<HttpStats> stats) {
  absl::StatusOr<std::unique_ptr<HttpClient>> transport = NewCurlTransport(options);
  if (!transport.ok()) return transport.status();
  return std::unique_ptr<HttpClient>(
      new RetryingHttpClient(*std::move(transport), policy, std::move(stats)));
}

}  // namespace byok::openstack
