#include "node/libcryptsetup_crypt.h"

#include <libcryptsetup.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>

#include "common/log.h"
#include "common/strings.h"
#include "node/os_errors.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

// The last error libcryptsetup reported on this thread (each CSI call runs on one thread).
thread_local std::string last_error;

void LogCallback(int level, const char* msg, void*) {
  std::string line = msg == nullptr ? "" : msg;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (level == CRYPT_LOG_ERROR) last_error = line;
  if (level == CRYPT_LOG_DEBUG || level == CRYPT_LOG_DEBUG_JSON) return;
  log::Debug(4, "libcryptsetup", {{"level", std::to_string(level)}, {"message", line}});
}

void InstallLogCallbackOnce() {
  static std::once_flag once;
  std::call_once(once, [] { crypt_set_log_callback(nullptr, &LogCallback, nullptr); });
}

struct CryptDeleter {
  void operator()(crypt_device* cd) const { crypt_free(cd); }
};
using CryptPtr = std::unique_ptr<crypt_device, CryptDeleter>;

// "<what> <where>: <strerror> (<libcryptsetup's message>)"
std::string Describe(std::string_view what, int rc) {
  std::string text = StrCat(what, ": ", std::strerror(-rc));
  if (!last_error.empty()) StrAppend(&text, " (", last_error, ")");
  return text;
}

// The errno table (node/os_errors.h) on libcryptsetup's -errno, with Describe's message.
absl::Status ErrorFor(std::string_view what, int rc) {
  // EACCES (the device cannot be opened) is not a wrong key, which PERMISSION_DENIED means to
  // the unlock path: only libcryptsetup's EPERM is.
  absl::Status status = -rc == EACCES ? ErrnoStatus(-rc, what, absl::StatusCode::kInternal, {})
                                      : ErrnoStatus(-rc, what);
  return openstack::WithMessage(status, Describe(what, rc));
}

absl::StatusOr<CryptPtr> InitDevice(const std::string& device) {
  InstallLogCallbackOnce();
  last_error.clear();
  crypt_device* cd = nullptr;
  int rc = crypt_init(&cd, device.c_str());
  if (rc < 0) return ErrorFor(StrCat("cannot open ", device), rc);
  return CryptPtr(cd);
}

// Loads the LUKS header of `device`.
absl::StatusOr<CryptPtr> LoadLuks(const std::string& device) {
  absl::StatusOr<CryptPtr> cd = InitDevice(device);
  if (!cd.ok()) return cd.status();
  int rc = crypt_load(cd->get(), CRYPT_LUKS, nullptr);
  if (rc < 0) {
    if (rc == -EINVAL) {
      return absl::FailedPreconditionError(StrCat(device, " has no LUKS header"));
    }
    return ErrorFor(StrCat("cannot read the LUKS header of ", device), rc);
  }
  return cd;
}

std::string Canonical(const char* path) {
  if (path == nullptr) return "";
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::canonical(path, ec);
  if (ec) return "";
  struct stat st;
  if (stat(canonical.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return "";
  return canonical.string();
}

// Whether the kernel has device-mapper (it registers the misc device "device-mapper").
bool DeviceMapperPresent() {
  std::ifstream misc("/proc/misc");
  std::string line;
  while (std::getline(misc, line)) {
    if (EndsWith(line, " device-mapper")) return true;
  }
  return false;
}

}  // namespace

LibCryptsetupCrypt::LibCryptsetupCrypt(LuksFormatParams params) : params_(params) {
  InstallLogCallbackOnce();
}

absl::Status LibCryptsetupCrypt::FormatLuks2(const std::string& device,
                                             const SecureBytes& passphrase,
                                             const std::string& label) {
  if (passphrase.empty()) return absl::InvalidArgumentError("empty passphrase");
  absl::StatusOr<CryptPtr> cd = InitDevice(device);
  if (!cd.ok()) return cd.status();
  crypt_pbkdf_type pbkdf{};
  pbkdf.type = CRYPT_KDF_PBKDF2;
  pbkdf.hash = params_.pbkdf_hash;
  pbkdf.iterations = params_.pbkdf2_iterations;
  pbkdf.flags = CRYPT_PBKDF_NO_BENCHMARK;
  int rc = crypt_set_pbkdf_type(cd->get(), &pbkdf);
  if (rc < 0) return ErrorFor("cannot set the PBKDF", rc);
  crypt_params_luks2 luks2{};
  luks2.pbkdf = &pbkdf;
  luks2.sector_size = params_.sector_size;
  luks2.label = label.empty() ? nullptr : label.c_str();
  rc = crypt_format(cd->get(), CRYPT_LUKS2, params_.cipher, params_.cipher_mode, nullptr, nullptr,
                    params_.volume_key_bytes, &luks2);
  if (rc < 0) return ErrorFor(StrCat("LUKS2 format of ", device), rc);
  rc = crypt_keyslot_add_by_volume_key(cd->get(), CRYPT_ANY_SLOT, nullptr, 0,
                                       reinterpret_cast<const char*>(passphrase.data()),
                                       passphrase.size());
  if (rc < 0) return ErrorFor(StrCat("adding the keyslot on ", device), rc);
  return absl::OkStatus();
}

absl::StatusOr<int> LibCryptsetupCrypt::CountKeyslots(const std::string& device) {
  absl::StatusOr<CryptPtr> cd = LoadLuks(device);
  if (!cd.ok()) return cd.status();
  int max = crypt_keyslot_max(crypt_get_type(cd->get()));
  if (max <= 0) return absl::InternalError(StrCat("unknown LUKS type on ", device));
  int used = 0;
  for (int slot = 0; slot < max; ++slot) {
    // Unbound keyslots count too: they hold a key, and the caller only acts on zero.
    switch (crypt_keyslot_status(cd->get(), slot)) {
      case CRYPT_SLOT_ACTIVE:
      case CRYPT_SLOT_ACTIVE_LAST:
      case CRYPT_SLOT_UNBOUND:
        ++used;
        break;
      case CRYPT_SLOT_INACTIVE:
        break;
      case CRYPT_SLOT_INVALID:
        return absl::InternalError(StrCat("cannot read keyslot ", slot, " of ", device));
    }
  }
  return used;
}

absl::Status LibCryptsetupCrypt::VerifyPassphrase(const std::string& device,
                                                  const SecureBytes& passphrase) {
  absl::StatusOr<CryptPtr> cd = LoadLuks(device);
  if (!cd.ok()) return cd.status();
  int rc = crypt_activate_by_passphrase(cd->get(), nullptr, CRYPT_ANY_SLOT,
                                        reinterpret_cast<const char*>(passphrase.data()),
                                        passphrase.size(), 0);
  if (rc < 0) return ErrorFor(StrCat("no keyslot of ", device, " opens with this key"), rc);
  return absl::OkStatus();
}

absl::Status LibCryptsetupCrypt::Activate(const std::string& device, const std::string& name,
                                          const SecureBytes& passphrase) {
  absl::StatusOr<CryptPtr> cd = LoadLuks(device);
  if (!cd.ok()) return cd.status();
  // The volume key stays in the dm table only: resize then needs no passphrase.
  crypt_volume_key_keyring(cd->get(), 0);
  int rc = crypt_activate_by_passphrase(cd->get(), name.c_str(), CRYPT_ANY_SLOT,
                                        reinterpret_cast<const char*>(passphrase.data()),
                                        passphrase.size(), 0);
  if (rc < 0) {
    if (rc == -EPERM) {
      return absl::PermissionDeniedError(StrCat("no keyslot of ", device, " opens with this key"));
    }
    return ErrorFor(StrCat("activating ", name, " on ", device), rc);
  }
  return absl::OkStatus();
}

absl::StatusOr<MappingStatus> LibCryptsetupCrypt::GetMapping(const std::string& name) {
  InstallLogCallbackOnce();
  last_error.clear();
  MappingStatus status;
  crypt_status_info info = crypt_status(nullptr, name.c_str());
  if (info == CRYPT_INACTIVE) return status;
  if (info == CRYPT_INVALID) {
    // A kernel without device-mapper has no mappings at all (unstage must still succeed there).
    if (!DeviceMapperPresent()) return status;
    std::string message = StrCat("cannot read the state of mapping ", name);
    if (!last_error.empty()) StrAppend(&message, " (", last_error, ")");
    return absl::InternalError(message);
  }
  status.active = true;
  status.busy = info == CRYPT_BUSY;
  crypt_device* raw = nullptr;
  int rc = crypt_init_by_name(&raw, name.c_str());
  if (rc < 0) {
    // Active but unreadable (e.g. its device vanished): stale.
    log::Warning("cannot inspect an active mapping; treating it as stale",
                 {{"mapping", name}, {"error", Describe("crypt_init_by_name", rc)}});
    return status;
  }
  CryptPtr cd(raw);
  status.backing_device = Canonical(crypt_get_device_name(cd.get()));
  crypt_active_device active{};
  if (crypt_get_active_device(cd.get(), name.c_str(), &active) == 0) {
    status.size_bytes = static_cast<int64_t>(active.size) * 512;
  }
  return status;
}

absl::Status LibCryptsetupCrypt::Deactivate(const std::string& name) {
  InstallLogCallbackOnce();
  last_error.clear();
  int rc = crypt_deactivate_by_name(nullptr, name.c_str(), 0);
  if (rc == -ENODEV) return absl::OkStatus();
  if (rc == -EBUSY) {
    return absl::FailedPreconditionError(
        StrCat("mapping ", name, " is still in use (mounted or open); cannot close it"));
  }
  if (rc < 0) return ErrorFor(StrCat("closing ", name), rc);
  return absl::OkStatus();
}

absl::Status LibCryptsetupCrypt::Resize(const std::string& name) {
  InstallLogCallbackOnce();
  last_error.clear();
  crypt_device* raw = nullptr;
  int rc = crypt_init_by_name(&raw, name.c_str());
  if (rc < 0) return ErrorFor(StrCat("opening mapping ", name), rc);
  CryptPtr cd(raw);
  rc = crypt_resize(cd.get(), name.c_str(), 0);
  if (rc < 0) return ErrorFor(StrCat("resizing ", name), rc);
  return absl::OkStatus();
}

}  // namespace byok::node
