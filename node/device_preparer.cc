#include "node/device_preparer.h"

#include "common/log.h"
#include "common/strings.h"
#include "node/mapping_name.h"
#include "openstack/errors.h"

namespace byok::node {
namespace {

using envelope::LuksState;
using envelope::Mode;

}  // namespace

absl::StatusOr<std::string> DevicePreparer::Prepare(const VolumeKey& key, const std::string& device,
                                                    absl::Time deadline) {
  switch (key.descriptor.mode) {
    case Mode::kNone:
      return device;
    case Mode::kEnvelope:
      return PrepareEnvelope(key, device, deadline);
    case Mode::kCinder:
      return PrepareCinder(key, device, deadline);
  }
  return absl::InternalError("unknown encryption mode");
}

absl::StatusOr<std::string> DevicePreparer::Open(const VolumeKey& key, const std::string& device,
                                                 absl::Time deadline) {
  absl::StatusOr<std::string> mapped =
      unlocker_->Open(device, MappingName(key.volume_id), key.passphrase, deadline);
  if (absl::IsPermissionDenied(mapped.status())) {
    if (key.descriptor.mode == Mode::kCinder) {
      return absl::PermissionDeniedError(
          StrCat("wrong key for volume ", key.volume_id, ": the LUKS header on ", device,
                 " does not open with Barbican key ", key.secret_key_id,
                 " (named by the node-stage "
                 "Secret's \"",
                 cloud::kSecretKeyId,
                 "\", passphrase derived as os-brick does); the "
                 "device was not modified"));
    }
    // The DEK authenticated against the tenant key, yet it does not open the header: the
    // device holds another volume's LUKS header (wrong disk, or a copied volume).
    return absl::FailedPreconditionError(
        StrCat("the LUKS header on ", device, " does not open with volume ", key.volume_id,
               "'s data key: the disk carries another volume's encrypted data; the device was not "
               "modified"));
  }
  return mapped;
}

absl::Status DevicePreparer::RecordFormatted(const VolumeKey& key, absl::Time deadline) {
  openstack::CallOptions call;
  call.deadline = deadline;
  auto updated = key.clients.cinder->UpdateVolumeMetadata(
      call, key.volume_id,
      {{envelope::kMetaLuks, std::string(envelope::LuksStateName(LuksState::kFormatted))}});
  if (!updated.ok()) {
    return absl::UnavailableError(StrCat("volume ", key.volume_id,
                                         " has its LUKS header but recording that in Cinder "
                                         "failed (it will be opened, not formatted, on retry): ",
                                         updated.status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DevicePreparer::PrepareEnvelope(const VolumeKey& key,
                                                            const std::string& device,
                                                            absl::Time deadline) {
  const bool pending = key.descriptor.luks_state == LuksState::kPending;
  absl::StatusOr<DeviceContent> content = probe_->Probe(device);
  if (!content.ok()) return content.status();

  if (content->kind == ContentKind::kLuks) {
    if (!pending) return Open(key, device, deadline);
    absl::StatusOr<bool> unfinished = UnfinishedFormat(key, device);
    if (!unfinished.ok()) return unfinished.status();
    if (*unfinished) return Format(key, device, deadline);
    return OpenPending(key, device, deadline);
  }
  if (content->kind != ContentKind::kBlank) {
    return absl::FailedPreconditionError(
        StrCat("volume ", key.volume_id, " is envelope-encrypted (LUKS state ",
               envelope::LuksStateName(key.descriptor.luks_state), ") but its device ", device,
               " carries ", content->Describe(),
               " and no LUKS header: refusing to format it; the data "
               "was not touched"));
  }
  if (!pending) {
    return absl::FailedPreconditionError(StrCat(
        "Cinder records volume ", key.volume_id, " as LUKS-formatted, but its device ", device,
        " carries no LUKS header (it reads as blank): refusing to format it again. The wrong disk "
        "may be attached, or the header was lost."));
  }
  return Format(key, device, deadline);
}

// A header found while Cinder says pending: a format whose state update was lost. The header
// may already guard data, so it is opened, never reformatted.
absl::StatusOr<std::string> DevicePreparer::OpenPending(const VolumeKey& key,
                                                        const std::string& device,
                                                        absl::Time deadline) {
  absl::StatusOr<std::string> mapped = Open(key, device, deadline);
  if (!mapped.ok()) return mapped;
  log::Warning(
      "found a LUKS header while Cinder says pending (a format whose state update "
      "was lost); opened it, not reformatted",
      {{"volume", key.volume_id}, {"device", device}});
  if (absl::Status s = RecordFormatted(key, deadline); !s.ok()) return s;
  return mapped;
}

// Formatting writes the LUKS2 header, then adds the keyslot; a crash in between leaves a
// header that no passphrase opens. The driver never opens a device by volume key, so nothing
// can have been written through such a header: with the state still pending it is our own
// unfinished format, safe to redo. Any keyslot at all, and it is treated as holding data.
absl::StatusOr<bool> DevicePreparer::UnfinishedFormat(const VolumeKey& key,
                                                      const std::string& device) {
  absl::StatusOr<int> keyslots = crypt_->CountKeyslots(device);
  if (!keyslots.ok()) {  // an unreadable header never counts as "no keyslot"
    return openstack::Annotate(keyslots.status(), StrCat("counting the keyslots of ", device,
                                                         " (volume ", key.volume_id, ")"));
  }
  if (*keyslots > 0) return false;
  log::Warning(
      "LUKS header with no keyslot while Cinder says pending (a format that died before "
      "adding its keyslot; nothing can have been written through it); formatting it again",
      {{"volume", key.volume_id}, {"device", device}});
  return true;
}

// LUKS2 format (state pending only), check it reads back, record `formatted`, open.
absl::StatusOr<std::string> DevicePreparer::Format(const VolumeKey& key, const std::string& device,
                                                   absl::Time deadline) {
  absl::StatusOr<int64_t> size = probe_->SizeBytes(device);
  if (!size.ok()) return size.status();
  if (*size < kMinFormatBytes) {
    return absl::FailedPreconditionError(StrCat("device ", device, " of volume ", key.volume_id,
                                                " has only ", *size,
                                                " bytes; too small for LUKS2"));
  }
  absl::Time start = absl::Now();
  if (absl::Status s = crypt_->FormatLuks2(device, key.passphrase, key.volume_id); !s.ok()) {
    return openstack::Annotate(s,
                               StrCat("LUKS2 format of ", device, " for volume ", key.volume_id));
  }
  log::Info("formatted LUKS2",
            {{"volume", key.volume_id},
             {"device", device},
             {"seconds", std::to_string(absl::ToDoubleSeconds(absl::Now() - start))}});
  // Paranoia: what was written must read back as LUKS before anything depends on it.
  absl::StatusOr<DeviceContent> after = probe_->Probe(device);
  if (!after.ok()) return after.status();
  if (after->kind != ContentKind::kLuks) {
    return absl::InternalError(
        StrCat("after the LUKS2 format ", device, " reads as ", after->Describe()));
  }
  if (absl::Status s = RecordFormatted(key, deadline); !s.ok()) return s;
  return Open(key, device, deadline);
}

absl::StatusOr<std::string> DevicePreparer::PrepareCinder(const VolumeKey& key,
                                                          const std::string& device,
                                                          absl::Time deadline) {
  absl::StatusOr<DeviceContent> content = probe_->Probe(device);
  if (!content.ok()) return content.status();
  if (content->kind == ContentKind::kLuks) return Open(key, device, deadline);

  openstack::CallOptions call;
  call.deadline = deadline;
  absl::StatusOr<openstack::EncryptionMetadata> encryption =
      key.clients.cinder->GetVolumeEncryption(call, key.volume_id);
  if (!encryption.ok()) {
    return openstack::Annotate(encryption.status(),
                               StrCat("reading the encryption of Cinder volume ", key.volume_id));
  }
  if (encryption->encrypted() && encryption->control_location == "front-end") {
    log::Info(
        "no LUKS header on a front-end encrypted Cinder volume: the hypervisor decrypts "
        "it; using the device as is",
        {{"volume", key.volume_id},
         {"device", device},
         {"provider", encryption->provider},
         {"content", content->Describe()}});
    return device;
  }
  return absl::FailedPreconditionError(
      StrCat("volume ", key.volume_id, " is recorded as Cinder-encrypted, but its device ", device,
             " carries ", content->Describe(),
             " and no LUKS header, and its type is not front-end "
             "encrypted (",
             encryption->encrypted() ? encryption->control_location : "not encrypted",
             "); refusing to use it"));
}

}  // namespace byok::node
