#pragma once

#include <string>

namespace byok::openstack {

// TLS settings of one cloud ([Global] ca-file, cert-file, key-file, tls-insecure).
// Verification is on unless `insecure` is explicitly configured.
struct TlsOptions {
  std::string ca_file;    // PEM bundle; empty: the system store
  std::string cert_file;  // client certificate (mutual TLS), PEM
  std::string key_file;   // its private key, PEM
  bool insecure = false;  // skip peer and host verification (test clouds only)

  bool operator==(const TlsOptions&) const = default;
};

}  // namespace byok::openstack
