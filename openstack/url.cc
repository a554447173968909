#include "openstack/url.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "openstack/absl_compat.h"

namespace byok::openstack {
namespace {

// Splits "scheme://authority/rest" into (scheme://authority, /rest).
std::pair<std::string_view, std::string_view> SplitOrigin(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {{}, url};  // a bare path or ID
  size_t end = url.find_first_of("/?#", scheme + 3);
  if (end == std::string_view::npos) return {url, {}};
  return {url.substr(0, end), url.substr(end)};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string PrintablePrefix(std::string_view text, size_t max_chars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars) + 3);
  for (char c : text.substr(0, max_chars)) {
    const bool printable = c >= 0x20 && c < 0x7f && c != '"';
    out.push_back(printable ? c : '?');
  }
  if (text.size() > max_chars) out.append("...");
  return out;
}

absl::StatusOr<std::string> PathSegment(std::string_view id, std::string_view what) {
  std::string_view problem;
  if (id.empty()) {
    problem = "it is empty";
  } else if (id == "." || id == "..") {
    problem = "it is a relative path segment";
  } else if (id.size() > kMaxPathSegment) {
    problem = "it is too long";
  } else if (id.find_first_of("/\\") != std::string_view::npos) {
    problem = "it holds a path separator";
  } else {
    for (char c : id) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        problem = "it holds a control character";
        break;
      }
    }
  }
  if (!problem.empty()) {
    return absl::InvalidArgumentError(StrCat(what, " \"", PrintablePrefix(id), "\" (", id.size(),
                                             " bytes) cannot be a URL path segment: ", problem));
  }
  return UrlEncode(id);
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else if (text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string JoinUrl(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return std::string(base);
  return StrCat(base, "/", path);
}

std::string UrlHost(std::string_view url) {
  std::string_view origin = SplitOrigin(url).first;
  size_t scheme = origin.find("://");
  std::string_view authority =
      scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(authority);
}

std::string UrlOrigin(std::string_view url) {
  std::string_view origin = SplitOrigin(url).first;
  size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return std::string(origin);
  return StrCat(origin.substr(0, scheme + 3), UrlHost(url));
}

std::string RedactUrl(std::string_view url) {
  auto [origin, rest] = SplitOrigin(url);
  (void)origin;
  std::string out = UrlOrigin(url);
  size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    StrAppend(&out, rest.substr(0, rest.find('#')));
    return out;
  }
  StrAppend(&out, rest.substr(0, q), "?");
  std::string_view query = rest.substr(q + 1);
  query = query.substr(0, query.find('#'));
  bool first = true;
  for (std::string_view pair : Split(query, '&')) {
    StrAppend(&out, first ? "" : "&", pair.substr(0, pair.find('=')), "=...");
    first = false;
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  for (std::string_view pair : Split(query, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (UrlDecode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string LastPathSegment(std::string_view url) {
  std::string_view path = SplitOrigin(url).second;
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace byok::openstack
