#include "openstack/retry_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/retrying_http_client.h"
#include "openstack/testing/fake_http.h"

namespace byok::openstack {
namespace {

using testing::FakeHttpClient;

AttemptOutcome Status(int s, std::optional<absl::Duration> retry_after = std::nullopt) {
  AttemptOutcome o;
  o.http_status = s;
  o.retry_after = retry_after;
  return o;
}

AttemptOutcome Failure(TransportFailure f) {
  AttemptOutcome o;
  o.failure = f;
  return o;
}

constexpr absl::Duration kLots = absl::Hours(1);

TEST(RetryPolicyTest, WhichOutcomesAreRetried) {
  RetryPolicy p;
  // Idempotent requests: gateway errors, throttling, lost connections.
  for (int s : {429, 502, 503, 504})
    EXPECT_TRUE(DecideRetry(p, true, Status(s), 1, kLots, 0.5).retry) << s;
  for (int s : {200, 201, 400, 401, 403, 404, 409, 413, 500, 501}) {
    EXPECT_FALSE(DecideRetry(p, true, Status(s), 1, kLots, 0.5).retry) << s;
  }
  EXPECT_TRUE(DecideRetry(p, true, Failure(TransportFailure::kAfterSend), 1, kLots, 0.5).retry);
  EXPECT_TRUE(DecideRetry(p, true, Failure(TransportFailure::kTimeout), 1, kLots, 0.5).retry);
  // Non-idempotent (POST): only when the request never left.
  EXPECT_TRUE(DecideRetry(p, false, Failure(TransportFailure::kNotSent), 1, kLots, 0.5).retry);
  for (int s : {429, 502, 503, 504}) {
    EXPECT_FALSE(DecideRetry(p, false, Status(s), 1, kLots, 0.5).retry) << s;
  }
  EXPECT_FALSE(DecideRetry(p, false, Failure(TransportFailure::kAfterSend), 1, kLots, 0.5).retry);
  EXPECT_FALSE(DecideRetry(p, false, Failure(TransportFailure::kTimeout), 1, kLots, 0.5).retry);
  // Never: TLS and unknown failures.
  EXPECT_FALSE(DecideRetry(p, true, Failure(TransportFailure::kTls), 1, kLots, 0.5).retry);
  EXPECT_FALSE(DecideRetry(p, true, Failure(TransportFailure::kOther), 1, kLots, 0.5).retry);
}

TEST(RetryPolicyTest, AttemptsAndDeadlineBound) {
  RetryPolicy p;
  p.max_attempts = 3;
  EXPECT_TRUE(DecideRetry(p, true, Status(503), 2, kLots, 0.5).retry);
  RetryDecision d = DecideRetry(p, true, Status(503), 3, kLots, 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, "attempts exhausted");
  // The wait would pass the deadline.
  d = DecideRetry(p, true, Status(503), 1, absl::Milliseconds(10), 0.9);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, "deadline");
}

TEST(RetryPolicyTest, FullJitterBackoff) {
  RetryPolicy p;
  p.initial_backoff = absl::Milliseconds(100);
  p.max_backoff = absl::Seconds(1);
  EXPECT_EQ(FullJitterBackoff(p, 0, 0.0), absl::ZeroDuration());
  EXPECT_EQ(FullJitterBackoff(p, 0, 0.5), absl::Milliseconds(50));
  EXPECT_EQ(FullJitterBackoff(p, 2, 0.5), absl::Milliseconds(200));
  EXPECT_EQ(FullJitterBackoff(p, 10, 0.5), absl::Milliseconds(500));  // capped
  EXPECT_EQ(FullJitterBackoff(p, 1000, 1.0), absl::Seconds(1));
  RetryDecision d = DecideRetry(p, true, Status(503), 3, kLots, 0.25);
  EXPECT_EQ(d.delay, absl::Milliseconds(100));  // 0.25 * min(1 s, 100 ms * 2^2)
}

TEST(RetryPolicyTest, RetryAfterIsHonoured) {
  RetryPolicy p;
  RetryDecision d = DecideRetry(p, true, Status(429, absl::Seconds(3)), 1, kLots, 0.1);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, absl::Seconds(3));
  d = DecideRetry(p, true, Status(429, absl::Seconds(3)), 1, absl::Seconds(2), 0.1);
  EXPECT_FALSE(d.retry);
  d = DecideRetry(p, true, Status(503, absl::Minutes(10)), 1, kLots, 0.1);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.reason, "Retry-After too long");
}

TEST(RetryPolicyTest, ParseRetryAfter) {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseRetryAfter("7", now), absl::Seconds(7));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("-1", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:30 GMT", now), absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now), absl::ZeroDuration());
}

// The retry loop around a scripted transport, with a fake clock that sleeping advances.
class RetryingClientTest : public ::testing::Test {
 protected:
  RetryingClientTest() {
    auto transport = std::make_unique<FakeHttpClient>();
    http_ = transport.get();
    RetryingHttpClient::Hooks hooks;
    hooks.now = [this] { return now_; };
    hooks.sleep = [this](absl::Duration d) {
      sleeps_.push_back(d);
      now_ += d;
    };
    hooks.jitter = [] { return 0.5; };
    RetryPolicy policy;
    policy.initial_backoff = absl::Milliseconds(100);
    client_ = std::make_unique<RetryingHttpClient>(std::move(transport), policy, stats_, hooks);
  }

  HttpRequest Req(HttpMethod m) {
    HttpRequest r;
    r.method = m;
    r.url = "http://cinder:8776/v3/p/volumes";
    r.service = "cinder";
    r.deadline = now_ + absl::Seconds(30);
    return r;
  }

  absl::Time now_ = absl::FromUnixSeconds(1000);
  std::vector<absl::Duration> sleeps_;
  std::shared_ptr<HttpStats> stats_ = std::make_shared<HttpStats>();
  FakeHttpClient* http_;
  std::unique_ptr<RetryingHttpClient> client_;
};

TEST_F(RetryingClientTest, RetriesIdempotentGatewayErrorsThenSucceeds) {
  http_->On(HttpMethod::kGet, "/volumes", {503, "busy"}, 2);
  http_->On(HttpMethod::kGet, "/volumes", {200, "{}"});
  absl::StatusOr<HttpResponse> r = client_->Send(Req(HttpMethod::kGet));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(sleeps_,
            (std::vector<absl::Duration>{absl::Milliseconds(50), absl::Milliseconds(100)}));
  HttpStats::Counts c = stats_->Total("cinder");
  EXPECT_EQ(c.requests, 1);
  EXPECT_EQ(c.attempts, 3);
  EXPECT_EQ(c.retries, 2);
  EXPECT_EQ(c.by_status[503], 2);
  EXPECT_EQ(c.by_status[200], 1);
  EXPECT_EQ(stats_->Snapshot().count("cinder cinder:8776"), 1u);
}

TEST_F(RetryingClientTest, PostIsNotRetriedOnGatewayError) {
  http_->On(HttpMethod::kPost, "/volumes", {502, "bad gateway"});
  absl::StatusOr<HttpResponse> r = client_->Send(Req(HttpMethod::kPost));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 502);
  EXPECT_EQ(http_->RequestCount(), 1u);
}

TEST_F(RetryingClientTest, PostMarkedIdempotentIsRetried) {
  http_->On(HttpMethod::kPost, "/volumes", {503, ""}, 1);
  http_->On(HttpMethod::kPost, "/volumes", {201, ""});
  HttpRequest req = Req(HttpMethod::kPost);
  req.idempotent = true;
  absl::StatusOr<HttpResponse> r = client_->Send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(http_->RequestCount(), 2u);
}

TEST_F(RetryingClientTest, PostIsRetriedWhenNeverSent) {
  http_->OnFailure(HttpMethod::kPost, "/volumes", TransportFailure::kNotSent, 1);
  http_->On(HttpMethod::kPost, "/volumes", {202, "{}"});
  absl::StatusOr<HttpResponse> r = client_->Send(Req(HttpMethod::kPost));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(stats_->Total().transport_errors, 1);
}

TEST_F(RetryingClientTest, PostLostAfterSendIsReturned) {
  http_->OnFailure(HttpMethod::kPost, "/volumes", TransportFailure::kAfterSend);
  absl::StatusOr<HttpResponse> r = client_->Send(Req(HttpMethod::kPost));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(http_->RequestCount(), 1u);
}

TEST_F(RetryingClientTest, GivesUpAfterMaxAttempts) {
  http_->OnFailure(HttpMethod::kGet, "/volumes", TransportFailure::kNotSent);
  absl::StatusOr<HttpResponse> r = client_->Send(Req(HttpMethod::kGet));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(http_->RequestCount(), 4u);
}

TEST_F(RetryingClientTest, HonoursRetryAfterWithinDeadline) {
  http_->On(HttpMethod::kGet, "/volumes", {429, "", {{"Retry-After", "2"}}}, 1);
  http_->On(HttpMethod::kGet, "/volumes", {200, ""});
  absl::StatusOr<HttpResponse> r = client_->Send(Req(HttpMethod::kGet));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(sleeps_, std::vector<absl::Duration>{absl::Seconds(2)});

  http_->Clear();
  sleeps_.clear();
  http_->On(HttpMethod::kGet, "/volumes", {429, "", {{"Retry-After", "60"}}});
  HttpRequest req = Req(HttpMethod::kGet);
  req.deadline = now_ + absl::Seconds(5);
  r = client_->Send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);  // waiting would pass the deadline: answer now
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RetryingClientTest, PassedDeadlineSendsNothing) {
  HttpRequest req = Req(HttpMethod::kGet);
  req.deadline = now_ - absl::Seconds(1);
  absl::StatusOr<HttpResponse> r = client_->Send(req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(http_->RequestCount(), 0u);
}

}  // namespace
}  // namespace byok::openstack
