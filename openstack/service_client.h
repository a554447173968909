#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/statusor.h"
#include "openstack/authenticated_client.h"
#include "openstack/call_options.h"
#include "openstack/json_util.h"

namespace byok::openstack {

namespace service_client_internal {
// absl::StatusOr<T> for both T and absl::StatusOr<T>.
template <typename T>
struct StatusOrOf {
  using type = absl::StatusOr<T>;
};
template <typename T>
struct StatusOrOf<absl::StatusOr<T>> {
  using type = absl::StatusOr<T>;
};
}  // namespace service_client_internal

// Plumbing shared by the REST clients: endpoint lookup, JSON requests, status mapping.
class ServiceClient {
 public:
  // `service_type` as in the catalog (kServiceBlockStorage...), `label` for logs/counters.
  ServiceClient(AuthenticatedClient* auth, std::string service_type, std::string label)
      : auth_(auth), service_type_(std::move(service_type)), label_(std::move(label)) {}

  absl::StatusOr<std::string> Endpoint(absl::Time deadline) {
    return auth_->Endpoint(service_type_, deadline);
  }

  // A request with the service label, deadline and "Accept: application/json".
  HttpRequest NewRequest(HttpMethod method, std::string url, const CallOptions& options) const;

  // Sends; a status not in `expected` becomes an error via errors.h, described by `what`.
  absl::StatusOr<HttpResponse> Do(HttpRequest& request, std::string_view what,
                                  std::initializer_list<int> expected);
  // Do() and parse the body as JSON (an empty body is an empty object).
  absl::StatusOr<nlohmann::json> DoJson(HttpRequest& request, std::string_view what,
                                        std::initializer_list<int> expected);

  // The request -> send -> parse steps of a JSON call in one: the error building `request`,
  // else DoJson()'s error, else `parse(document)`, which returns a value or a StatusOr of one.
  template <typename Parse>
  typename service_client_internal::StatusOrOf<
      std::invoke_result_t<Parse&, const nlohmann::json&>>::type
  Json(absl::StatusOr<HttpRequest> request, std::string_view what,
       std::initializer_list<int> expected, Parse parse) {
    if (!request.ok()) return request.status();
    absl::StatusOr<nlohmann::json> doc = DoJson(*request, what, expected);
    if (!doc.ok()) return doc.status();
    return parse(*doc);
  }
  // The same for a call whose reply is only its status: the error building `request`, else
  // Do()'s.
  absl::Status Call(absl::StatusOr<HttpRequest> request, std::string_view what,
                    std::initializer_list<int> expected);

  const std::string& label() const { return label_; }
  AuthenticatedClient* auth() const { return auth_; }

 private:
  AuthenticatedClient* const auth_;
  const std::string service_type_;
  const std::string label_;
};

// For ServiceClient::Json(): parses the object under `key` of a reply with `parse`; a reply
// without it is Internal `missing`.
template <typename Parse>
auto ParseMember(std::string key, Parse parse, std::string missing) {
  return [key = std::move(key), parse, missing = std::move(missing)](const nlohmann::json& doc)
             -> absl::StatusOr<std::invoke_result_t<const Parse&, const nlohmann::json&>> {
    const nlohmann::json* member = json::Find(doc, key);
    if (member == nullptr) return absl::InternalError(missing);
    return parse(*member);
  };
}

// `request`, when it was built, with `body` as its JSON body.
absl::StatusOr<HttpRequest> WithJsonBody(absl::StatusOr<HttpRequest> request,
                                         const nlohmann::json& body);

}  // namespace byok::openstack
