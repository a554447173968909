#include "openstack/errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace byok::openstack {
namespace {

using ::testing::HasSubstr;

HttpResponse Response(int status, std::string_view body, std::string_view request_id = "") {
  HttpResponse r;
  r.status = status;
  r.body = SecureBytes::FromView(body);
  if (!request_id.empty()) r.headers.push_back({"x-openstack-request-id", std::string(request_id)});
  return r;
}

TEST(ErrorsTest, TheTable) {
  const std::pair<int, absl::StatusCode> table[] = {
      {400, absl::StatusCode::kInvalidArgument},
      {401, absl::StatusCode::kUnauthenticated},
      {403, absl::StatusCode::kPermissionDenied},
      {404, absl::StatusCode::kNotFound},
      {405, absl::StatusCode::kUnimplemented},
      {406, absl::StatusCode::kUnimplemented},
      {409, absl::StatusCode::kFailedPrecondition},
      {412, absl::StatusCode::kFailedPrecondition},
      {413, absl::StatusCode::kResourceExhausted},
      {415, absl::StatusCode::kInvalidArgument},
      {429, absl::StatusCode::kUnavailable},
      {500, absl::StatusCode::kUnavailable},
      {501, absl::StatusCode::kUnimplemented},
      {502, absl::StatusCode::kUnavailable},
      {503, absl::StatusCode::kUnavailable},
      {504, absl::StatusCode::kUnavailable},
      {418, absl::StatusCode::kUnknown},
      {302, absl::StatusCode::kUnknown},
      {200, absl::StatusCode::kOk},
      {204, absl::StatusCode::kOk},
  };
  for (const auto& [http, code] : table) EXPECT_EQ(CodeForHttpStatus(http), code) << http;
}

TEST(ErrorsTest, ServiceMessagesOfEachService) {
  // Cinder
  EXPECT_EQ(
      ServiceMessage(
          R"({"badRequest": {"code": 400, "message": "Invalid input for field/attribute volume."}})"),
      "Invalid input for field/attribute volume.");
  EXPECT_EQ(
      ServiceMessage(
          R"({"overLimit": {"code": 413, "message": "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'.", "retryAfter": "0"}})"),
      "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota "
      "'volumes'.");
  // A schema error without the echo of the request, so that the reason survives the bound.
  EXPECT_EQ(
      ServiceMessage(
          R"j({"badRequest": {"code": 400, "message": "Invalid input for field/attribute volume. Value: {'size': 1, 'metadata': {'k': 'v. w'}, 'encryption_key_id': 'x'}. Additional properties are not allowed ('encryption_key_id' was unexpected)"}})j"),
      "Invalid input for field/attribute volume. Additional properties are not allowed "
      "('encryption_key_id' was unexpected)");
  // Nova
  EXPECT_EQ(ServiceMessage(
                R"({"itemNotFound": {"code": 404, "message": "Instance x could not be found."}})"),
            "Instance x could not be found.");
  // Barbican
  EXPECT_EQ(
      ServiceMessage(R"({"code": 404, "title": "Not Found", "description": "Secret not found."})"),
      "Not Found: Secret not found.");
  // Keystone
  EXPECT_EQ(
      ServiceMessage(
          R"({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}})"),
      "Unauthorized: The request you have made requires authentication.");
  // Neutron
  EXPECT_EQ(ServiceMessage(
                R"({"NeutronError": {"type": "X", "message": "Port not found", "detail": ""}})"),
            "Port not found");
  // Plain text (webob), whitespace collapsed; HTML dropped; empty.
  EXPECT_EQ(ServiceMessage("404 Not Found\n\nThe resource could not be found.\n\n   "),
            "404 Not Found The resource could not be found.");
  EXPECT_EQ(ServiceMessage("<html><body>502 Bad Gateway</body></html>"), "");
  EXPECT_EQ(ServiceMessage(""), "");
  EXPECT_EQ(ServiceMessage("{not json"), "{not json");
  // Bounded.
  EXPECT_LE(ServiceMessage(std::string(5000, 'x')).size(), 520u);
}

// Error bodies are parsed by json::Parse as well: a hostile, deeply nested one is bounded text.
TEST(ErrorsTest, DeeplyNestedErrorBodyIsBounded) {
  const std::string body =
      R"({"badRequest": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_LE(ServiceMessage(body).size(), 520u);
  absl::Status s = HttpError("cinder", "get volume v", Response(400, body));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LE(s.message().size(), 600u);
}

TEST(ErrorsTest, HttpErrorCarriesStatusAndRequestId) {
  absl::Status s = HttpError("cinder", "create volume \"a\"",
                             Response(413, R"({"overLimit": {"message": "quota"}})", "req-42"));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "cinder: create volume \"a\": HTTP 413: quota (request-id req-42)");
  EXPECT_EQ(HttpStatusOf(s), 413);
  EXPECT_EQ(RequestIdOf(s), "req-42");
  EXPECT_TRUE(IsQuotaExceeded(s));
  EXPECT_FALSE(TransportFailureOf(s).has_value());

  HttpResponse nova = Response(409, R"({"conflictingRequest": {"message": "locked"}})");
  nova.headers.push_back({"x-compute-request-id", "req-nova"});
  absl::Status c = HttpError("nova", "attach", nova);
  EXPECT_EQ(c.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsConflict(c));
  EXPECT_EQ(RequestIdOf(c), "req-nova");
}

TEST(ErrorsTest, TransportErrorsAndAnnotate) {
  absl::Status t = TransportError(TransportFailure::kNotSent, "GET http://x: refused");
  EXPECT_EQ(t.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(TransportFailureOf(t), TransportFailure::kNotSent);
  absl::Status a = Annotate(t, "cinder: get volume v");
  EXPECT_EQ(a.message(), "cinder: get volume v: GET http://x: refused");
  EXPECT_EQ(TransportFailureOf(a), TransportFailure::kNotSent);

  absl::Status h = Annotate(HttpError("barbican", "get", Response(404, "", "req-1")), "secret s");
  EXPECT_EQ(HttpStatusOf(h), 404);
  EXPECT_EQ(RequestIdOf(h), "req-1");
  EXPECT_TRUE(Annotate(absl::OkStatus(), "x").ok());
}

}  // namespace
}  // namespace byok::openstack
