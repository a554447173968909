#include "openstack/service_client.h"

#include <algorithm>

#include "openstack/absl_compat.h"
#include "openstack/errors.h"
#include "openstack/json_util.h"

namespace byok::openstack {

HttpRequest ServiceClient::NewRequest(HttpMethod method, std::string url,
                                      const CallOptions& options) const {
  HttpRequest r;
  r.method = method;
  r.url = std::move(url);
  r.service = label_;
  r.deadline = options.deadline;
  r.SetHeader("Accept", "application/json");
  return r;
}

absl::StatusOr<HttpResponse> ServiceClient::Do(HttpRequest& request, std::string_view what,
                                               std::initializer_list<int> expected) {
  absl::StatusOr<HttpResponse> response = auth_->Send(request);
  if (!response.ok()) return Annotate(response.status(), StrCat(label_, ": ", what));
  if (std::find(expected.begin(), expected.end(), response->status) == expected.end()) {
    return HttpError(label_, what, *response);
  }
  return response;
}

absl::StatusOr<nlohmann::json> ServiceClient::DoJson(HttpRequest& request, std::string_view what,
                                                     std::initializer_list<int> expected) {
  absl::StatusOr<HttpResponse> response = Do(request, what, expected);
  if (!response.ok()) return response.status();
  if (response->body.empty()) return nlohmann::json::object();
  return json::Parse(response->BodyView(), StrCat(label_, ": ", what));
}

absl::Status ServiceClient::Call(absl::StatusOr<HttpRequest> request, std::string_view what,
                                 std::initializer_list<int> expected) {
  if (!request.ok()) return request.status();
  return Do(*request, what, expected).status();
}

absl::StatusOr<HttpRequest> WithJsonBody(absl::StatusOr<HttpRequest> request,
                                         const nlohmann::json& body) {
  if (!request.ok()) return request;
  request->body = json::Body(body);
  request->SetHeader("Content-Type", "application/json");
  return request;
}

}  // namespace byok::openstack
