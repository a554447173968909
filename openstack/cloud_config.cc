#include "openstack/cloud_config.h"

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include "common/ini.h"
#include "openstack/absl_compat.h"
#include "openstack/errors.h"

namespace byok::openstack {
namespace {

// Global settings that only exist once (not per named cloud) are collected here and moved
// into the config after parsing.
struct GlobalExtras {
  std::string metadata_url;
};

// Domain values are resolved after a section is read: domain-name/domain-id are the default
// for both the user's and the project's domain.
struct DomainDefaults {
  std::string domain_id;
  std::string domain_name;
};

absl::StatusOr<bool> ParseBool(std::string_view where, const IniEntry& e) {
  std::string v = ToLower(e.value);
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0" || v.empty()) return false;
  return absl::InvalidArgumentError(
      StrCat(where, " line ", e.line, ": ", e.key, ": invalid boolean \"", e.value, "\""));
}

absl::StatusOr<std::string> ParseInterface(std::string_view where, const IniEntry& e) {
  std::string v = ToLower(e.value);
  // Old catalogs and clients spell these publicURL/internalURL/adminURL.
  if (EndsWith(v, "url")) v.resize(v.size() - 3);
  if (v == "public" || v == "internal" || v == "admin") return v;
  return absl::InvalidArgumentError(StrCat(where, " line ", e.line, ": ", e.key,
                                           ": want public, internal or admin, got \"", e.value,
                                           "\""));
}

// A tenant's Secret may name one of these instead of the section's auth-url. Each must be
// https: the tenant's application credential secret is sent there.
absl::Status ParseTenantAuthUrls(std::string_view where, const IniEntry& e,
                                 std::vector<std::string>& out) {
  out.clear();
  for (std::string_view item : Split(e.value, ',')) {
    item = StripWhitespace(item);
    if (item.empty()) continue;
    if (!StartsWith(ToLower(item), "https://")) {
      return absl::InvalidArgumentError(StrCat(where, " line ", e.line, ": tenant-auth-urls: \"",
                                               item, "\" is not an https URL"));
    }
    out.push_back(NormalizeAuthUrl(item));
  }
  return absl::OkStatus();
}

using Setter = std::function<absl::Status(std::string_view where, const IniEntry&, AuthOptions&,
                                          DomainDefaults&)>;

absl::Status Set(std::string& field, const IniEntry& e) {
  field = e.value;
  return absl::OkStatus();
}

const std::map<std::string, Setter, std::less<>>& GlobalKeys() {
  using D = DomainDefaults;
  static const auto* keys = new std::map<std::string, Setter, std::less<>>{
      {"auth-url", [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.auth_url, e); }},
      {"region", [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.region, e); }},
      {"username", [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.username, e); }},
      {"user-id", [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.user_id, e); }},
      {"password",
       [](auto, const IniEntry& e, AuthOptions& o, D&) {
         o.password = SecureBytes::FromView(e.value);
         return absl::OkStatus();
       }},
      {"domain-name",
       [](auto, const IniEntry& e, AuthOptions&, D& d) { return Set(d.domain_name, e); }},
      {"domain-id",
       [](auto, const IniEntry& e, AuthOptions&, D& d) { return Set(d.domain_id, e); }},
      {"user-domain-name",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.user_domain_name, e); }},
      {"user-domain-id",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.user_domain_id, e); }},
      {"tenant-name",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_name, e); }},
      {"project-name",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_name, e); }},
      {"tenant-id",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_id, e); }},
      {"project-id",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_id, e); }},
      {"tenant-domain-name",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_domain_name, e); }},
      {"project-domain-name",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_domain_name, e); }},
      {"tenant-domain-id",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_domain_id, e); }},
      {"project-domain-id",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.project_domain_id, e); }},
      {"application-credential-id", [](auto, const IniEntry& e, AuthOptions& o,
                                       D&) { return Set(o.application_credential_id, e); }},
      {"application-credential-name", [](auto, const IniEntry& e, AuthOptions& o,
                                         D&) { return Set(o.application_credential_name, e); }},
      {"application-credential-secret",
       [](auto, const IniEntry& e, AuthOptions& o, D&) {
         o.application_credential_secret = SecureBytes::FromView(e.value);
         return absl::OkStatus();
       }},
      {"ca-file",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.tls.ca_file, e); }},
      {"cert-file",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.tls.cert_file, e); }},
      {"key-file",
       [](auto, const IniEntry& e, AuthOptions& o, D&) { return Set(o.tls.key_file, e); }},
      {"tls-insecure",
       [](std::string_view where, const IniEntry& e, AuthOptions& o, D&) {
         absl::StatusOr<bool> v = ParseBool(where, e);
         if (!v.ok()) return v.status();
         o.tls.insecure = *v;
         return absl::OkStatus();
       }},
      {"tenant-auth-urls", [](std::string_view where, const IniEntry& e, AuthOptions& o,
                              D&) { return ParseTenantAuthUrls(where, e, o.tenant_auth_urls); }},
      {"cinder-endpoint", [](auto, const IniEntry& e, AuthOptions& o,
                             D&) { return Set(o.endpoint_overrides[kServiceBlockStorage], e); }},
      {"nova-endpoint", [](auto, const IniEntry& e, AuthOptions& o,
                           D&) { return Set(o.endpoint_overrides[kServiceCompute], e); }},
      {"barbican-endpoint", [](auto, const IniEntry& e, AuthOptions& o,
                               D&) { return Set(o.endpoint_overrides[kServiceKeyManager], e); }},
  };
  return *keys;
}

bool IsInterfaceKey(std::string_view key) {
  return key == "endpoint-type" || key == "os-endpoint-type" || key == "interface";
}

// Upstream keys this driver knowingly does not implement.
bool IsUnsupportedUpstreamKey(std::string_view key) {
  return key == "trust-id" || key == "trustee-id" || key == "trustee-password" || key == "token" ||
         key == "use-clouds" || key == "clouds-file" || key == "cloud";
}

// cloud-provider-openstack's [BlockStorage] keys whose behaviour this driver does not have:
// the volume's zone always comes from CreateVolume's topology, the node always grows the
// device after an expand, and the microversions are chosen per call.
bool IsUnsupportedBlockStorageKey(std::string_view key) {
  return key == "ignore-volume-az" || key == "rescan-on-resize" ||
         key == "ignore-volume-microversion";
}

void ApplyDomainDefaults(const DomainDefaults& d, AuthOptions& o) {
  if (o.user_domain_id.empty() && o.user_domain_name.empty()) {
    o.user_domain_id = d.domain_id;
    o.user_domain_name = d.domain_name;
  }
  if (o.project_domain_id.empty() && o.project_domain_name.empty()) {
    o.project_domain_id = d.domain_id;
    o.project_domain_name = d.domain_name;
  }
}

absl::Status ParseGlobalSection(const IniSection& section, std::string_view where, bool is_default,
                                AuthOptions& out, DomainDefaults& domains, GlobalExtras& extras,
                                std::vector<std::string>* warnings) {
  for (const IniEntry& e : section.entries) {
    auto it = GlobalKeys().find(e.key);
    if (it != GlobalKeys().end()) {
      absl::Status s = it->second(where, e, out, domains);
      if (!s.ok()) return s;
    } else if (IsInterfaceKey(e.key)) {
      absl::StatusOr<std::string> v = ParseInterface(where, e);
      if (!v.ok()) return v.status();
      out.interface = *v;
    } else if (e.key == "metadata-url" && is_default) {
      extras.metadata_url = e.value;
    } else if (IsUnsupportedUpstreamKey(e.key)) {
      warnings->push_back(StrCat("cloud.conf line ", e.line, ": ", where, " key \"", e.key,
                                 "\" is not supported by this driver and is ignored"));
    } else {
      warnings->push_back(
          StrCat("cloud.conf line ", e.line, ": ", where, " unknown key \"", e.key, "\" ignored"));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseBlockStorage(const IniSection& section, BlockStorageOptions& out,
                               std::vector<std::string>* warnings) {
  constexpr std::string_view where = "[BlockStorage]";
  for (const IniEntry& e : section.entries) {
    if (e.key == "trust-device-path") {
      absl::StatusOr<bool> v = ParseBool(where, e);
      if (!v.ok()) return v.status();
      out.trust_device_path = *v;
    } else if (IsUnsupportedBlockStorageKey(e.key)) {
      warnings->push_back(StrCat("cloud.conf line ", e.line, ": ", where, " key \"", e.key,
                                 "\" is not supported by this driver and is ignored"));
    } else if (e.key == "bs-version") {
      out.bs_version = e.value;
    } else if (e.key == "cinder-microversion-byok") {
      out.cinder_microversion_byok = e.value;
    } else if (e.key == "node-volume-attach-limit") {
      if (!ParseInt(e.value, &out.node_volume_attach_limit) || out.node_volume_attach_limit < 0) {
        return absl::InvalidArgumentError(StrCat("[BlockStorage] line ", e.line,
                                                 ": node-volume-attach-limit: want a non-negative "
                                                 "integer, got \"",
                                                 e.value, "\""));
      }
    } else {
      warnings->push_back(
          StrCat("cloud.conf line ", e.line, ": ", where, " unknown key \"", e.key, "\" ignored"));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseMetadata(const IniSection& section, MetadataOptions& out,
                           std::vector<std::string>* warnings) {
  for (const IniEntry& e : section.entries) {
    if (e.key == "search-order") {
      out.search_order.clear();
      for (std::string_view item : Split(e.value, ',')) {
        item = StripWhitespace(item);
        if (item.empty()) continue;
        if (item != "configDrive" && item != "metadataService") {
          return absl::InvalidArgumentError(StrCat("[Metadata] line ", e.line,
                                                   ": search-order: unknown source \"", item,
                                                   "\" (want configDrive and/or metadataService)"));
        }
        out.search_order.emplace_back(item);
      }
      if (out.search_order.empty()) {
        return absl::InvalidArgumentError(
            StrCat("[Metadata] line ", e.line, ": search-order is empty"));
      }
    } else if (e.key == "request-timeout") {
      if (!absl::ParseDuration(e.value, &out.request_timeout) ||
          out.request_timeout < absl::ZeroDuration()) {
        return absl::InvalidArgumentError(
            StrCat("[Metadata] line ", e.line,
                   ": request-timeout: want a duration such as 5s, got \"", e.value, "\""));
      }
    } else {
      warnings->push_back(
          StrCat("cloud.conf line ", e.line, ": [Metadata] unknown key \"", e.key, "\" ignored"));
    }
  }
  return absl::OkStatus();
}

// Plain http is allowed (labs, a Keystone behind a local proxy) but never silently: the
// password or application credential secret crosses the network unencrypted.
void WarnPlainHttp(const AuthOptions& o, std::string_view where,
                   std::vector<std::string>* warnings) {
  if (StartsWith(ToLower(o.auth_url), "http://")) {
    warnings->push_back(StrCat("cloud.conf ", where,
                               " auth-url is plain http: credentials and tokens cross the "
                               "network unencrypted; use https"));
  }
}

std::string SectionLabel(const IniSection& s) {
  return s.subname.empty() ? "[Global]" : StrCat("[Global \"", s.subname, "\"]");
}

}  // namespace

std::string NormalizeAuthUrl(std::string_view url) {
  std::string out(StripWhitespace(url));
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

const AuthOptions* CloudConfig::FindCloud(std::string_view name) const {
  if (name.empty()) return &global;
  auto it = clouds.find(std::string(name));
  return it == clouds.end() ? nullptr : &it->second;
}

CloudConfig CloudConfig::Clone() const {
  CloudConfig c;
  c.global = global.Clone();
  for (const auto& [name, opts] : clouds) c.clouds.emplace(name, opts.Clone());
  c.block_storage = block_storage;
  c.metadata = metadata;
  return c;
}

absl::Status ValidateAuthOptions(const AuthOptions& o, std::string_view where) {
  auto missing = [&](std::string_view what) {
    return absl::InvalidArgumentError(StrCat(where, ": ", what));
  };
  if (o.auth_url.empty()) return missing("auth-url is required");
  bool has_user = !o.user_id.empty() || !o.username.empty();
  bool user_named_ok =
      !o.user_id.empty() || !o.user_domain_id.empty() || !o.user_domain_name.empty();
  if (!o.application_credential_secret.empty()) {
    if (o.application_credential_id.empty() && o.application_credential_name.empty()) {
      return missing(
          "application-credential-secret is set: application-credential-id or "
          "application-credential-name is required");
    }
    if (o.application_credential_id.empty()) {
      if (!has_user) {
        return missing("application-credential-name needs username or user-id");
      }
      if (!user_named_ok) {
        return missing(
            "username needs user-domain-name or user-domain-id (or domain-name/domain-id)");
      }
    }
    return absl::OkStatus();
  }
  if (!o.application_credential_id.empty() || !o.application_credential_name.empty()) {
    return missing("application-credential-secret is required with an application credential");
  }
  if (o.password.empty()) {
    return missing(
        "no credentials: set application-credential-id and application-credential-secret, "
        "or username (or user-id), password and a project");
  }
  if (!has_user) return missing("password is set: username or user-id is required");
  if (!user_named_ok) {
    return missing("username needs user-domain-name or user-domain-id (or domain-name/domain-id)");
  }
  if (o.project_id.empty()) {
    if (o.project_name.empty()) {
      return missing("a project is required: tenant-id/project-id or tenant-name/project-name");
    }
    if (o.project_domain_id.empty() && o.project_domain_name.empty()) {
      return missing(
          "tenant-name needs tenant-domain-name or tenant-domain-id (or domain-name/domain-id)");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CloudConfig> ParseCloudConfig(std::string_view text,
                                             std::vector<std::string>* warnings) {
  std::vector<std::string> ignored;
  if (warnings == nullptr) warnings = &ignored;
  absl::StatusOr<IniDocument> doc = ParseIni(text);
  if (!doc.ok()) {
    return absl::InvalidArgumentError(StrCat("cloud.conf: ", doc.status().message()));
  }
  CloudConfig config;
  GlobalExtras extras;
  DomainDefaults global_domains;
  std::map<std::string, DomainDefaults> cloud_domains;
  bool have_global = false;
  for (const IniSection& section : doc->sections) {
    if (section.name == "global") {
      bool is_default = section.subname.empty();
      have_global = have_global || is_default;
      AuthOptions& target = is_default ? config.global : config.clouds[section.subname];
      DomainDefaults& domains = is_default ? global_domains : cloud_domains[section.subname];
      absl::Status s = ParseGlobalSection(section, SectionLabel(section), is_default, target,
                                          domains, extras, warnings);
      if (!s.ok()) return absl::InvalidArgumentError(StrCat("cloud.conf ", s.message()));
    } else if (section.name == "blockstorage" && section.subname.empty()) {
      absl::Status s = ParseBlockStorage(section, config.block_storage, warnings);
      if (!s.ok()) return absl::InvalidArgumentError(StrCat("cloud.conf ", s.message()));
    } else if (section.name == "metadata" && section.subname.empty()) {
      absl::Status s = ParseMetadata(section, config.metadata, warnings);
      if (!s.ok()) return absl::InvalidArgumentError(StrCat("cloud.conf ", s.message()));
    } else {
      int line = section.entries.empty() ? 0 : section.entries.front().line;
      warnings->push_back(StrCat(
          "cloud.conf", line > 0 ? StrCat(" line ", line) : "", ": unknown section [", section.name,
          section.subname.empty() ? "" : " \"" + section.subname + "\"", "] ignored"));
    }
  }
  if (!have_global) {
    return absl::InvalidArgumentError("cloud.conf: the [Global] section is required");
  }
  ApplyDomainDefaults(global_domains, config.global);
  WarnPlainHttp(config.global, "[Global]", warnings);
  absl::Status valid = ValidateAuthOptions(config.global, "cloud.conf [Global]");
  if (!valid.ok()) return valid;
  for (auto& [name, opts] : config.clouds) {
    ApplyDomainDefaults(cloud_domains[name], opts);
    WarnPlainHttp(opts, StrCat("[Global \"", name, "\"]"), warnings);
    valid = ValidateAuthOptions(opts, StrCat("cloud.conf [Global \"", name, "\"]"));
    if (!valid.ok()) return valid;
  }
  config.metadata.url = extras.metadata_url;
  return config;
}

absl::StatusOr<CloudConfig> LoadCloudConfigFile(const std::string& path,
                                                std::vector<std::string>* warnings) {
  // Read straight into SecureBytes: the file holds passwords, and a stream buffer or
  // std::string copy would be freed without being wiped.
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) {
    return absl::NotFoundError(
        StrCat("cloud config \"", path, "\" cannot be opened: ", std::strerror(errno)));
  }
  SecureBytes text;
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), file.get())) > 0) {
    text.Append(std::string_view(chunk, n));
  }
  OPENSSL_cleanse(chunk, sizeof(chunk));
  if (std::ferror(file.get())) {
    return absl::FailedPreconditionError(StrCat("cloud config \"", path, "\": read error"));
  }
  absl::StatusOr<CloudConfig> config = ParseCloudConfig(text.view(), warnings);
  if (!config.ok()) return Annotate(config.status(), path);
  return config;
}

}  // namespace byok::openstack
