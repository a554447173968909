#pragma once

#include <optional>
#include <string>
#include <string_view>

// Small URL helpers. Not a general parser: OpenStack endpoints are absolute http(s) URLs.
namespace byok::openstack {

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);
std::string UrlDecode(std::string_view text);

// base + "/" + path with exactly one slash between them.
std::string JoinUrl(std::string_view base, std::string_view path);

// "host:port" (or "host") of an absolute URL, without user info.
std::string UrlHost(std::string_view url);

// "scheme://host[:port]" of an absolute URL.
std::string UrlOrigin(std::string_view url);

// The URL as it may appear in logs: user info dropped and every query value replaced by
// "...", since query strings can carry signatures or tokens (and names of tenants' volumes
// are not needed to debug transport problems).
std::string RedactUrl(std::string_view url);

// The decoded value of a query parameter, e.g. the "marker" of a Cinder "next" link.
std::optional<std::string> QueryParam(std::string_view url, std::string_view name);

// The last path segment (query and fragment ignored), e.g. the UUID of a Barbican href.
std::string LastPathSegment(std::string_view url);

}  // namespace byok::openstack
