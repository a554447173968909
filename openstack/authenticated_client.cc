#include "openstack/authenticated_client.h"

#include "common/log.h"
#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/url.h"

namespace byok::openstack {

absl::StatusOr<HttpResponse> AuthenticatedClient::Send(HttpRequest& request) {
  absl::StatusOr<std::shared_ptr<const AuthSession>> session =
      tokens_->GetSession(request.deadline);
  if (!session.ok()) return session.status();
  request.auth_token = (*session)->token.Clone();
  absl::StatusOr<HttpResponse> response = http_->Send(request);
  if (!response.ok() || response->status != 401) return response;

  log::Debug(2, "token rejected; re-authenticating once",
             {{"service", request.service},
              {"url", RedactUrl(request.url)},
              {"request_id", std::string(response->RequestId())}});
  tokens_->Invalidate(session->get());
  session = tokens_->GetSession(request.deadline);
  if (!session.ok()) return session.status();
  request.auth_token = (*session)->token.Clone();
  return http_->Send(request);
}

absl::StatusOr<std::string> AuthenticatedClient::Endpoint(std::string_view service_type,
                                                          absl::Time deadline) {
  absl::StatusOr<std::shared_ptr<const AuthSession>> session = tokens_->GetSession(deadline);
  if (!session.ok()) return session.status();
  absl::StatusOr<std::string> endpoint = (*session)->Endpoint(service_type);
  if (!endpoint.ok()) {
    return Annotate(endpoint.status(), StrCat("no endpoint for ", service_type));
  }
  return endpoint;
}

}  // namespace byok::openstack
