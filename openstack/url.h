#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

// Small URL helpers. Not a general parser: OpenStack endpoints are absolute http(s) URLs.
namespace byok::openstack {

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);
std::string UrlDecode(std::string_view text);

// The longest value PathSegment accepts: OpenStack IDs are UUIDs, and names (volume types
// are addressed by name too) and metadata keys are at most 255 characters.
inline constexpr size_t kMaxPathSegment = 255;

// `id` percent-encoded as exactly one path segment, for paths such as "volumes/<id>": keep
// UrlEncode for query values. InvalidArgument naming `what` when `id` is empty, "." or ".."
// (dot segments, which libcurl and servers resolve: GET volumes/.. addresses the collection),
// holds a '/' or '\' (WSGI decodes %2F before routing, so even encoded it splits the path),
// holds a control character, or is longer than kMaxPathSegment. IDs come from CSI requests
// and OpenStack responses, so the message quotes only PrintablePrefix(id).
absl::StatusOr<std::string> PathSegment(std::string_view id, std::string_view what);

// At most `max_chars` characters of `text` for an error message about a hostile value: bytes
// other than printable ASCII (and '"', so the value can be quoted) become '?', and a cut
// value ends in "...".
std::string PrintablePrefix(std::string_view text, size_t max_chars = 64);

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
