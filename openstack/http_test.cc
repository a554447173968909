// The HTTP layer: request/response helpers, counters, and the libcurl transport against a
// loopback server in this process (no network beyond 127.0.0.1).
#include "openstack/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/absl_compat.h"
#include "openstack/curl_http.h"
#include "openstack/errors.h"

namespace byok::openstack {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HttpTest, IdempotencyByMethodAndOverride) {
  HttpRequest r;
  for (HttpMethod m :
       {HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kPut, HttpMethod::kDelete}) {
    r.method = m;
    EXPECT_TRUE(r.IsIdempotent()) << MethodName(m);
  }
  r.method = HttpMethod::kPost;
  EXPECT_FALSE(r.IsIdempotent());
  r.idempotent = true;
  EXPECT_TRUE(r.IsIdempotent());
  r.method = HttpMethod::kDelete;
  r.idempotent = false;
  EXPECT_FALSE(r.IsIdempotent());
}

TEST(HttpTest, HeadersAndRequestId) {
  HttpRequest req;
  req.SetHeader("Accept", "a");
  req.SetHeader("accept", "b");
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].value, "b");
  HttpResponse r;
  r.headers = {{"x-compute-request-id", "req-c"}, {"content-type", "x"}};
  EXPECT_EQ(r.Header("Content-Type"), "x");
  EXPECT_EQ(r.RequestId(), "req-c");
  r.headers.push_back({"x-openstack-request-id", "req-o"});
  EXPECT_EQ(r.RequestId(), "req-o");
}

TEST(HttpTest, StatsByServiceAndHost) {
  HttpStats s;
  s.RecordRequest("cinder", "h:1");
  s.RecordAttempt("cinder", "h:1", 503, false);
  s.RecordAttempt("cinder", "h:1", 200, true);
  s.RecordRequest("keystone", "k:5000");
  s.RecordAttempt("keystone", "k:5000", absl::UnavailableError("x"), false);
  EXPECT_EQ(s.Total("cinder").attempts, 2);
  EXPECT_EQ(s.Total("cinder").retries, 1);
  EXPECT_EQ(s.Total("keystone").transport_errors, 1);
  EXPECT_EQ(s.Total().requests, 2);
  EXPECT_EQ(s.Snapshot().size(), 2u);
  s.Reset();
  EXPECT_EQ(s.Total().requests, 0);
}

// A one-request-per-connection HTTP/1.1 server on 127.0.0.1 with scripted replies.
class LoopbackServer {
 public:
  struct Seen {
    std::string head;  // request line + headers
    std::string body;
  };

  LoopbackServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }

  ~LoopbackServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  // Raw replies, used in order; the last one repeats. "" means: never answer.
  void Script(std::vector<std::string> replies) {
    absl::MutexLock lock(&mu_);
    replies_ = std::move(replies);
  }

  std::vector<Seen> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  std::string Url(std::string_view path) const { return StrCat("http://127.0.0.1:", port_, path); }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      Seen s;
      std::string data;
      char buf[4096];
      size_t header_end = std::string::npos;
      size_t want = 0;
      while (true) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        if (header_end == std::string::npos) {
          header_end = data.find("\r\n\r\n");
          if (header_end == std::string::npos) continue;
          std::string lower = ToLower(data.substr(0, header_end));
          size_t cl = lower.find("content-length:");
          if (cl != std::string::npos) want = std::stoul(lower.substr(cl + 15));
        }
        if (data.size() >= header_end + 4 + want) break;
      }
      if (header_end != std::string::npos) {
        s.head = data.substr(0, header_end);
        s.body = data.substr(header_end + 4);
      }
      std::string reply;
      {
        absl::MutexLock lock(&mu_);
        seen_.push_back(s);
        if (!replies_.empty()) {
          reply = replies_.front();
          if (replies_.size() > 1) replies_.erase(replies_.begin());
        }
      }
      if (reply.empty()) {
        absl::SleepFor(absl::Seconds(2));  // never answer in time
      } else {
        (void)!write(c, reply.data(), reply.size());
      }
      close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::string> replies_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

std::string Reply(int status, std::string_view extra_headers, std::string_view body) {
  return StrCat("HTTP/1.1 ", status, " X\r\nContent-Length: ", body.size(),
                "\r\nConnection: close\r\n", extra_headers, "\r\n", body);
}

std::unique_ptr<HttpClient> Transport() {
  absl::StatusOr<std::unique_ptr<HttpClient>> t = NewCurlTransport({});
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

HttpRequest Req(HttpMethod m, std::string url) {
  HttpRequest r;
  r.method = m;
  r.url = std::move(url);
  r.service = "test";
  r.deadline = absl::Now() + absl::Seconds(10);
  return r;
}

TEST(CurlTransportTest, GetSendsHeadersAndCapturesTheSubjectToken) {
  LoopbackServer server;
  server.Script({Reply(201,
                       "X-Subject-Token: gAAAA-token\r\nX-Openstack-Request-Id: req-1\r\n"
                       "Content-Type: application/json\r\n",
                       R"({"ok": true})")});
  auto http = Transport();
  HttpRequest r = Req(HttpMethod::kGet, server.Url("/v3/x?limit=1"));
  r.auth_token = SecureBytes::FromView("tok-123");
  r.SetHeader("Accept", "application/json");
  absl::StatusOr<HttpResponse> resp = http->Send(r);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->BodyView(), R"({"ok": true})");
  EXPECT_EQ(resp->subject_token.view(), "gAAAA-token");
  EXPECT_EQ(resp->Header("x-subject-token"), "");  // never kept as a plain header
  EXPECT_EQ(resp->RequestId(), "req-1");
  EXPECT_EQ(resp->Header("Content-Type"), "application/json");
  std::vector<LoopbackServer::Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_THAT(seen[0].head, HasSubstr("GET /v3/x?limit=1 HTTP/1.1"));
  EXPECT_THAT(seen[0].head, HasSubstr("X-Auth-Token: tok-123"));
  EXPECT_THAT(seen[0].head, HasSubstr("Accept: application/json"));
  EXPECT_THAT(seen[0].head, HasSubstr("User-Agent: cinder-byok-csi"));
}

TEST(CurlTransportTest, BodiesForPostPutAndDelete) {
  LoopbackServer server;
  server.Script({Reply(200, "", "")});
  auto http = Transport();
  const std::string binary("a\0b\xff", 4);
  HttpRequest post = Req(HttpMethod::kPost, server.Url("/p"));
  post.body = SecureBytes::FromView(binary);
  post.SetHeader("Content-Type", "application/octet-stream");
  ASSERT_TRUE(http->Send(post).ok());
  HttpRequest put = Req(HttpMethod::kPut, server.Url("/u"));
  ASSERT_TRUE(http->Send(put).ok());
  HttpRequest del = Req(HttpMethod::kDelete, server.Url("/d"));
  del.body = SecureBytes::FromView(R"({"service":"volume"})");
  ASSERT_TRUE(http->Send(del).ok());
  HttpRequest head = Req(HttpMethod::kHead, server.Url("/h"));
  ASSERT_TRUE(http->Send(head).ok());
  std::vector<LoopbackServer::Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_THAT(seen[0].head, HasSubstr("POST /p"));
  EXPECT_EQ(seen[0].body, binary);
  EXPECT_THAT(seen[0].head, Not(HasSubstr("Expect:")));
  EXPECT_THAT(seen[1].head, HasSubstr("PUT /u"));
  EXPECT_THAT(seen[1].head, HasSubstr("Content-Length: 0"));
  EXPECT_THAT(seen[2].head, HasSubstr("DELETE /d"));
  EXPECT_EQ(seen[2].body, R"({"service":"volume"})");
  EXPECT_THAT(seen[3].head, HasSubstr("HEAD /h"));
}

TEST(CurlTransportTest, RefusedConnectionIsNotSent) {
  int port;
  {
    LoopbackServer server;  // take a free port, then release it
    port = std::stoi(server.Url("").substr(17));
  }
  auto http = Transport();
  absl::StatusOr<HttpResponse> r =
      http->Send(Req(HttpMethod::kPost, StrCat("http://127.0.0.1:", port, "/x")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TransportFailureOf(r.status()), TransportFailure::kNotSent);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("POST http://127.0.0.1:"));
}

TEST(CurlTransportTest, TimeoutAfterSendingAndPassedDeadline) {
  LoopbackServer server;
  server.Script({""});
  auto http = Transport();
  HttpRequest r = Req(HttpMethod::kGet, server.Url("/slow"));
  r.deadline = absl::Now() + absl::Milliseconds(300);
  absl::StatusOr<HttpResponse> resp = http->Send(r);
  ASSERT_FALSE(resp.ok());
  // The caller's deadline ran out: the caller's code, while the server may still be working.
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(TransportFailureOf(resp.status()), TransportFailure::kTimeout);

  // A per-attempt timeout shorter than the deadline is UNAVAILABLE (worth another attempt).
  CurlOptions short_attempts;
  short_attempts.attempt_timeout = absl::Milliseconds(200);
  server.Script({""});
  r.deadline = absl::Now() + absl::Seconds(10);
  resp = (*NewCurlTransport(short_attempts))->Send(r);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TransportFailureOf(resp.status()), TransportFailure::kTimeout);

  r.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(http->Send(r).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(CurlTransportTest, OversizedResponseFails) {
  LoopbackServer server;
  server.Script({Reply(200, "", std::string(2048, 'x'))});
  CurlOptions o;
  o.max_response_bytes = 1024;
  auto http = *NewCurlTransport(o);
  absl::StatusOr<HttpResponse> r = http->Send(Req(HttpMethod::kGet, server.Url("/big")));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("larger than 1024 bytes"));
}

TEST(CurlTransportTest, UnreadableTlsFilesAreRejectedUpFront) {
  CurlOptions o;
  o.tls.ca_file = "/nonexistent/ca.pem";
  absl::StatusOr<std::unique_ptr<HttpClient>> t = NewCurlTransport(o);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("ca-file"));
}

TEST(CurlTransportTest, RetriesThroughNewHttpClientAndCounts) {
  LoopbackServer server;
  server.Script({Reply(503, "", "busy"), Reply(200, "", "ok")});
  auto stats = std::make_shared<HttpStats>();
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(1);
  auto http = *NewHttpClient({}, policy, stats);
  absl::StatusOr<HttpResponse> r = http->Send(Req(HttpMethod::kGet, server.Url("/r")));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(stats->Total("test").requests, 1);
  EXPECT_EQ(stats->Total("test").retries, 1);
}

TEST(CurlTransportTest, ConcurrentRequestsFromManyThreads) {
  LoopbackServer server;
  server.Script({Reply(200, "", "ok")});
  auto stats = std::make_shared<HttpStats>();
  auto http = *NewHttpClient({}, RetryPolicy(), stats);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<HttpResponse> r = http->Send(Req(HttpMethod::kGet, server.Url("/c")));
        if (r.ok() && r->status == 200 && r->BodyView() == "ok") ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 60);
  EXPECT_EQ(stats->Total("test").requests, 60);
  EXPECT_EQ(server.seen().size(), 60u);
}

TEST(CurlTransportTest, LogsNeverContainTokensOrBodies) {
  LoopbackServer server;
  server.Script({Reply(201, "X-Subject-Token: subject-SECRET\r\n", "reply-SECRET")});
  std::string logs;
  absl::Mutex mu;
  log::SetSinkForTest([&](std::string_view line) {
    absl::MutexLock lock(&mu);
    logs.append(line);
  });
  log::Configure(log::Format::kText, 10);
  {
    auto stats = std::make_shared<HttpStats>();
    auto http = *NewHttpClient({}, RetryPolicy(), stats);
    HttpRequest r = Req(HttpMethod::kPost, server.Url("/v3/auth/tokens?password=query-SECRET"));
    r.auth_token = SecureBytes::FromView("token-SECRET");
    r.body = SecureBytes::FromView("password-SECRET");
    ASSERT_TRUE(http->Send(r).ok());
  }
  log::Configure(log::Format::kText, 0);
  log::SetSinkForTest(nullptr);
  EXPECT_THAT(logs, HasSubstr("OpenStack request"));
  EXPECT_THAT(logs, HasSubstr("/v3/auth/tokens?password=..."));
  EXPECT_THAT(logs, Not(HasSubstr("SECRET")));
}

}  // namespace
}  // namespace byok::openstack
