#include "openstack/keystone.h"

#include <algorithm>

#include "common/log.h"
#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"
#include "openstack/url.h"

namespace byok::openstack {

absl::StatusOr<std::string> AuthSession::Endpoint(std::string_view service_type) const {
  auto it = endpoint_overrides.find(std::string(service_type));
  if (it != endpoint_overrides.end() && !it->second.empty()) return it->second;
  return catalog.EndpointFor(service_type, interface, region);
}

namespace keystone {
namespace {

nlohmann::json Domain(const std::string& id, const std::string& name) {
  return id.empty() ? nlohmann::json{{"name", name}} : nlohmann::json{{"id", id}};
}

nlohmann::json User(const AuthOptions& a) {
  if (!a.user_id.empty()) return {{"id", a.user_id}};
  return {{"name", a.username}, {"domain", Domain(a.user_domain_id, a.user_domain_name)}};
}

}  // namespace

absl::StatusOr<std::string> TokensUrl(std::string_view auth_url) {
  std::string base(auth_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) return absl::InvalidArgumentError("auth-url is empty");
  if (EndsWith(base, "/v2.0")) {
    return absl::InvalidArgumentError(
        StrCat("auth-url ", base, " is Keystone v2.0, which is not supported; use /v3"));
  }
  if (EndsWith(base, "/v3")) return StrCat(base, "/auth/tokens");
  return StrCat(base, "/v3/auth/tokens");
}

absl::StatusOr<SecureBytes> AuthRequestBody(const AuthOptions& a) {
  nlohmann::json identity;
  std::string_view secret;
  if (a.UsesApplicationCredential()) {
    nlohmann::json cred;
    if (!a.application_credential_id.empty()) {
      cred["id"] = a.application_credential_id;
    } else {
      cred["name"] = a.application_credential_name;
      cred["user"] = User(a);
    }
    cred["secret"] = std::string(json::kSecretPlaceholder);
    identity = {{"methods", {"application_credential"}}, {"application_credential", cred}};
    secret = a.application_credential_secret.view();
    // No scope: Keystone answers 401 to a scoped application-credential request.
    return json::BodyWithSecret(nlohmann::json{{"auth", {{"identity", identity}}}}, secret);
  }
  if (a.password.empty()) {
    return absl::InvalidArgumentError("no password and no application credential secret");
  }
  nlohmann::json user = User(a);
  user["password"] = std::string(json::kSecretPlaceholder);
  identity = {{"methods", {"password"}}, {"password", {{"user", user}}}};
  nlohmann::json project =
      a.project_id.empty()
          ? nlohmann::json{{"name", a.project_name},
                           {"domain", Domain(a.project_domain_id, a.project_domain_name)}}
          : nlohmann::json{{"id", a.project_id}};
  nlohmann::json doc = {{"auth", {{"identity", identity}, {"scope", {{"project", project}}}}}};
  return json::BodyWithSecret(doc, a.password.view());
}

absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text) {
  std::string s(text);
  absl::Time t;
  std::string err;
  for (const char* format :
       {"%Y-%m-%dT%H:%M:%E*SZ", "%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*S"}) {
    if (absl::ParseTime(format, s, absl::UTCTimeZone(), &t, &err)) return t;
  }
  // The text comes from a Keystone response: quote only a prefix of it.
  return absl::InvalidArgumentError(
      StrCat("unparsable time stamp \"", PrintablePrefix(text), "\""));
}

absl::StatusOr<AuthSession> ParseTokenResponse(const HttpResponse& response,
                                               const AuthOptions& auth, absl::Time sent_at,
                                               absl::Duration refresh_margin) {
  if (response.subject_token.empty()) {
    return absl::InternalError("keystone: token response has no X-Subject-Token header");
  }
  absl::StatusOr<nlohmann::json> doc = json::Parse(response.BodyView(), "keystone: token");
  if (!doc.ok()) return doc.status();
  const nlohmann::json* token = json::Find(*doc, "token");
  if (token == nullptr) return absl::InternalError("keystone: token response has no \"token\"");
  AuthSession s;
  s.token = response.subject_token.Clone();
  absl::StatusOr<absl::Time> expires = ParseTimestamp(json::String(*token, "expires_at"));
  if (!expires.ok()) return Annotate(expires.status(), "keystone: token expires_at");
  s.expires_at = *expires;
  absl::StatusOr<absl::Time> issued = ParseTimestamp(json::String(*token, "issued_at"));
  // Without issued_at, trust our clock against Keystone's expires_at.
  s.issued_at = issued.ok() ? *issued : sent_at;
  absl::Duration lifetime = std::max(absl::ZeroDuration(), s.expires_at - s.issued_at);
  s.local_expiry = sent_at + lifetime;
  s.refresh_at = s.local_expiry - std::min(refresh_margin, lifetime / 2);
  if (const nlohmann::json* user = json::Find(*token, "user")) {
    s.user_id = json::String(*user, "id");
  }
  if (const nlohmann::json* project = json::Find(*token, "project")) {
    s.project_id = json::String(*project, "id");
    s.project_name = json::String(*project, "name");
  }
  if (const nlohmann::json* roles = json::Find(*token, "roles"); roles && roles->is_array()) {
    for (const nlohmann::json& r : *roles) s.roles.push_back(json::String(r, "name"));
  }
  if (const nlohmann::json* catalog = json::Find(*token, "catalog")) {
    s.catalog = ServiceCatalog::FromJson(*catalog);
  }
  s.interface = auth.interface.empty() ? "public" : auth.interface;
  s.region = auth.region;
  s.endpoint_overrides = auth.endpoint_overrides;
  return s;
}

}  // namespace keystone

namespace {

KeystoneTokenProvider::Options WithDefaults(KeystoneTokenProvider::Options options) {
  if (!options.now) options.now = [] { return absl::Now(); };
  return options;
}

}  // namespace

KeystoneTokenProvider::KeystoneTokenProvider(AuthOptions auth, HttpClient* http, Options options)
    : auth_(std::move(auth)), http_(http), options_(WithDefaults(std::move(options))) {}

absl::StatusOr<std::shared_ptr<const AuthSession>> KeystoneTokenProvider::Authenticate(
    absl::Time deadline) {
  const std::string what = StrCat("authenticate ", auth_.Describe());
  absl::StatusOr<std::string> url = keystone::TokensUrl(auth_.auth_url);
  if (!url.ok()) return Annotate(url.status(), StrCat("keystone: ", what));
  absl::StatusOr<SecureBytes> body = keystone::AuthRequestBody(auth_);
  if (!body.ok()) return Annotate(body.status(), StrCat("keystone: ", what));
  HttpRequest request;
  request.method = HttpMethod::kPost;
  // nocatalog is not used: the catalog is how every other service is found.
  request.url = *url;
  request.service = "keystone";
  request.body = *std::move(body);
  request.SetHeader("Content-Type", "application/json");
  request.SetHeader("Accept", "application/json");
  // Deadlines are wall-clock times (from gRPC); the injectable clock only tracks expiry.
  request.deadline = std::min(deadline, absl::Now() + options_.auth_timeout);
  // Issuing a token has no side effect worth protecting: repeating it is safe.
  request.idempotent = true;

  const absl::Time sent_at = options_.now();
  auth_calls_.fetch_add(1);
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  if (!response.ok()) return Annotate(response.status(), StrCat("keystone: ", what));
  if (response->status != 201 && response->status != 200) {
    absl::Status error = HttpError("keystone", what, *response);
    // Keystone's validation messages may quote input; make sure no secret comes back.
    std::string message(error.message());
    for (std::string_view secret :
         {auth_.password.view(), auth_.application_credential_secret.view()}) {
      if (secret.size() < 4) continue;
      for (size_t at = message.find(secret); at != std::string::npos; at = message.find(secret)) {
        message.replace(at, secret.size(), "<redacted>");
      }
    }
    return WithMessage(error, std::move(message));
  }
  absl::StatusOr<AuthSession> session =
      keystone::ParseTokenResponse(*response, auth_, sent_at, options_.refresh_margin);
  if (!session.ok()) return session.status();
  log::Debug(2, "keystone token issued",
             {{"credential", auth_.Describe()},
              {"project_id", session->project_id},
              {"expires_at", absl::FormatTime(session->expires_at)},
              {"request_id", std::string(response->RequestId())}});
  return std::make_shared<const AuthSession>(*std::move(session));
}

bool KeystoneTokenProvider::RefreshDone(RefreshWait* wait) {
  return wait->self->generation_ != wait->generation;
}

absl::StatusOr<std::shared_ptr<const AuthSession>> KeystoneTokenProvider::GetSession(
    absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  for (;;) {
    const absl::Time now = options_.now();
    const bool usable = session_ != nullptr && now < session_->local_expiry;
    if (usable && (now < session_->refresh_at || now < next_refresh_try_)) return session_;
    if (!refreshing_) break;
    // Someone else is re-authenticating; the current token is fine meanwhile.
    if (usable) return session_;
    RefreshWait wait{this, generation_};
    if (!mu_.AwaitWithDeadline(absl::Condition(&KeystoneTokenProvider::RefreshDone, &wait),
                               deadline)) {
      return absl::DeadlineExceededError(
          StrCat("keystone: deadline passed waiting for authentication of ", auth_.Describe()));
    }
    // The refresh we waited for failed and left nothing usable: share its error rather
    // than have every waiter try again in turn.
    const bool now_usable = session_ != nullptr && options_.now() < session_->local_expiry;
    if (!now_usable && !last_error_.ok()) return last_error_;
  }
  refreshing_ = true;
  mu_.Unlock();
  absl::StatusOr<std::shared_ptr<const AuthSession>> fresh = Authenticate(deadline);
  mu_.Lock();
  refreshing_ = false;
  ++generation_;
  if (fresh.ok()) {
    session_ = *fresh;
    last_error_ = absl::OkStatus();
    next_refresh_try_ = absl::InfinitePast();
    return session_;
  }
  last_error_ = fresh.status();
  const absl::Time now = options_.now();
  if (session_ != nullptr && now < session_->local_expiry) {
    log::Warning(
        "keystone re-authentication failed; using the current token until it expires",
        {{"credential", auth_.Describe()}, {"error", std::string(fresh.status().message())}});
    next_refresh_try_ = now + options_.failed_refresh_pause;
    return session_;
  }
  return fresh.status();
}

void KeystoneTokenProvider::Invalidate(const AuthSession* stale) {
  absl::MutexLock lock(&mu_);
  if (session_ != nullptr && (stale == nullptr || session_.get() == stale)) {
    session_.reset();
    next_refresh_try_ = absl::InfinitePast();
  }
}

}  // namespace byok::openstack
