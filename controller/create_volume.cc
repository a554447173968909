// CreateVolume: BYOK volumes in envelope or cinder mode, plain volumes, clones and restores.
#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/strings/str_join.h"
#include "cloud/key_consumers.h"
#include "cloud/volume_handle.h"
#include "common/log.h"
#include "common/strings.h"
#include "controller/capacity.h"
#include "controller/controller_service.h"
#include "controller/lookups.h"
#include "controller/parameters.h"
#include "controller/volume_capabilities.h"
#include "controller/wait.h"
#include "envelope/key_wrap.h"
#include "openstack/errors.h"

namespace byok::controller {

using envelope::Descriptor;
using envelope::Mode;
using openstack::CallOptions;

namespace {

CallOptions Call(absl::Time deadline) {
  CallOptions call;
  call.deadline = deadline;
  return call;
}

// The encryption of a clone or restore source, and the CSI name its DEK is bound to.
struct Source {
  std::string snapshot_id;
  std::string volume_id;
  int64_t size_gib = 0;
  Descriptor descriptor;
  std::string csi_name;
};

constexpr char kSourceSecretHint[] =
    "the provisioner Secret must carry the credential of the project that owns the source";

// The Cinder ID of a clone or restore source, which the caller's identity must own.
absl::StatusOr<std::string> SourceId(const std::string& csi_id, std::string_view what,
                                     const cloud::Clients& clients) {
  auto handle = cloud::ParseHandle(csi_id, what);
  if (!handle.ok()) return handle.status();
  if (absl::Status s =
          cloud::CheckOwner(*handle, clients, StrCat(what, " ", csi_id), kSourceSecretHint);
      !s.ok()) {
    return s;
  }
  return handle->cinder_id;
}

absl::StatusOr<Source> LoadSource(const cloud::Clients& clients,
                                  const ::csi::v1::VolumeContentSource& content,
                                  absl::Time deadline) {
  openstack::CinderClient& cinder = *clients.cinder;
  Source source;
  std::map<std::string, std::string> metadata;
  std::string display_name;
  if (content.has_snapshot()) {
    if (content.snapshot().snapshot_id().empty()) {
      return absl::InvalidArgumentError("volume_content_source.snapshot.snapshot_id is empty");
    }
    auto id = SourceId(content.snapshot().snapshot_id(), "source snapshot", clients);
    if (!id.ok()) return id.status();
    source.snapshot_id = *id;
    auto snapshot = cinder.GetSnapshot(Call(deadline), source.snapshot_id);
    if (!snapshot.ok()) {
      if (absl::IsNotFound(snapshot.status())) {
        return absl::NotFoundError(StrCat("source snapshot ", source.snapshot_id, " not found"));
      }
      return snapshot.status();
    }
    if (snapshot->status != "available") {
      return absl::UnavailableError(
          StrCat("source snapshot ", source.snapshot_id, " is ", snapshot->status));
    }
    source.size_gib = snapshot->size_gib;
    metadata = snapshot->metadata;
  } else if (content.has_volume()) {
    if (content.volume().volume_id().empty()) {
      return absl::InvalidArgumentError("volume_content_source.volume.volume_id is empty");
    }
    auto id = SourceId(content.volume().volume_id(), "source volume", clients);
    if (!id.ok()) return id.status();
    source.volume_id = *id;
    auto volume = cinder.GetVolume(Call(deadline), source.volume_id);
    if (!volume.ok()) {
      if (absl::IsNotFound(volume.status())) {
        return absl::NotFoundError(StrCat("source volume ", source.volume_id, " not found"));
      }
      return volume.status();
    }
    source.size_gib = volume->size_gib;
    metadata = volume->metadata;
    display_name = volume->name;
  } else {
    return absl::InvalidArgumentError(
        "volume_content_source names neither a snapshot nor a volume");
  }
  auto descriptor = envelope::FromMetadata(metadata);
  if (!descriptor.ok()) return descriptor.status();
  source.descriptor = *std::move(descriptor);
  // A snapshot carries its volume's CSI name; a volume without one was named for it.
  source.csi_name = envelope::WrapNameOf(metadata, display_name);
  return source;
}

// The zone to create the volume in: the StorageClass's `availability` when set, which must
// then be one of the requisite zones (the scheduler's node may only reach those); else the
// first preferred zone (the selected node's, with WaitForFirstConsumer), else the first
// requisite one; "" lets Cinder choose.
absl::StatusOr<std::string> ZoneFor(const VolumeSpec& spec,
                                    const ::csi::v1::CreateVolumeRequest& request) {
  const auto& req = request.accessibility_requirements();
  std::vector<std::string> requisite;
  for (const auto& topology : req.requisite()) {
    auto it = topology.segments().find(kTopologyZoneKey);
    if (it != topology.segments().end()) requisite.push_back(it->second);
  }
  if (!spec.availability.empty()) {
    if (!requisite.empty() &&
        std::find(requisite.begin(), requisite.end(), spec.availability) == requisite.end()) {
      return absl::InvalidArgumentError(
          StrCat("StorageClass parameter ", kParamAvailability, "=", spec.availability,
                 " is not among the zones the volume must be reachable from (", kTopologyZoneKey,
                 ": ", absl::StrJoin(requisite, ", "),
                 "); drop the parameter or the class's "
                 "allowedTopologies that exclude it"));
    }
    return spec.availability;
  }
  for (const auto& topology : req.preferred()) {
    auto it = topology.segments().find(kTopologyZoneKey);
    if (it != topology.segments().end()) return it->second;
  }
  return requisite.empty() ? std::string() : requisite.front();
}

// Deletes a volume this call created and cannot hand out, on a fresh deadline: the caller's
// may be spent, and leaving it would orphan a volume (and, in cinder mode, a key clone).
void DeleteCreated(openstack::CinderClient& cinder, const std::string& id, std::string_view why) {
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  log::Warning("deleting volume created by this call",
               {{"volume", id}, {"reason", std::string(why)}});
  auto volume = WaitForVolume(cinder, id, {"available", "error"}, deadline);
  // The wrapped DEK first, as DeleteVolume does: a volume is never deleted with it.
  (void)cinder.DeleteVolumeMetadataKey(Call(deadline), id, envelope::kMetaWrappedDek);
  absl::Status deleted = cinder.DeleteVolume(Call(deadline), id);
  if (!deleted.ok() && !absl::IsNotFound(deleted)) {
    log::Error("could not delete volume; it must be removed by hand",
               {{"volume", id}, {"error", std::string(deleted.message())}});
  }
}

// The answer when Cinder cannot take encryption_key_id on create; `evidence` says how we know.
absl::Status CinderLacksByok(std::string_view evidence) {
  return absl::FailedPreconditionError(
      StrCat("encryption=cinder needs a Cinder that accepts encryption_key_id on volume create "
             "(byok-for-cinder), but this Cinder ",
             evidence, "; use encryption=envelope, which works on any Cinder"));
}

// Stock Cinder validates the create body against a schema that has no encryption_key_id
// (from microversion 3.53 on): a 400 that names the field as unexpected.
bool RejectsKeyIdField(const absl::Status& status) {
  return absl::IsInvalidArgument(status) &&
         Contains(ToStd(status.message()), "'encryption_key_id' was unexpected");
}

// cinder mode: Cinder stores a clone of the tenant's key. The clone must hold the very same
// bytes, or the volume would be bound to a key the tenant does not control.
absl::Status VerifyCinderKey(const cloud::Clients& clients, const std::string& volume_id,
                             const SecureBytes& tenant_key, absl::Time deadline) {
  auto encryption = clients.cinder->GetVolumeEncryption(Call(deadline), volume_id);
  if (!encryption.ok()) return encryption.status();
  if (!encryption->encrypted()) {
    return absl::InternalError(StrCat("Cinder created volume ", volume_id,
                                      " without encryption; is the volume type encrypted?"));
  }
  auto payload = clients.barbican->GetPayload(Call(deadline), encryption->encryption_key_id);
  if (!payload.ok()) return payload.status();
  if (!payload->ConstantTimeEquals(tenant_key)) {
    return absl::InternalError(StrCat(
        "Cinder bound volume ", volume_id, " to key ", encryption->encryption_key_id,
        " whose bytes differ from the tenant's key; the volume was deleted. Does this Cinder "
        "really implement encryption_key_id on create (byok-for-cinder)?"));
  }
  return absl::OkStatus();
}

// Whether an existing volume of the same name is the one this request would create.
absl::Status CheckCompatible(const openstack::Volume& volume, const VolumeSpec& spec,
                             const std::string& key_id, const Source* source,
                             const ::csi::v1::CreateVolumeRequest& request) {
  auto mismatch = [&](std::string_view what) {
    return absl::AlreadyExistsError(StrCat("volume ", request.name(), " already exists (",
                                           volume.id, ") with a different ", what));
  };
  auto created_for = volume.metadata.find(kMetaCreatedFor);
  if (created_for == volume.metadata.end() || created_for->second != request.name()) {
    return absl::AlreadyExistsError(StrCat("a Cinder volume named ", request.name(),
                                           " exists that this driver did not create (", volume.id,
                                           ")"));
  }
  if (!SizeFits(volume.size_gib, request.capacity_range())) return mismatch("size");
  auto descriptor = envelope::FromMetadata(volume.metadata);
  if (!descriptor.ok() || descriptor->mode != spec.mode) return mismatch("encryption mode");
  if (spec.mode != Mode::kNone && descriptor->key_id != key_id) return mismatch("key");
  std::string want_snapshot = source ? source->snapshot_id : "";
  std::string want_volume = source ? source->volume_id : "";
  if (volume.snapshot_id != want_snapshot || volume.source_volid != want_volume) {
    return mismatch("content source");
  }
  return absl::OkStatus();
}

// The rule every racing creator applies to pick the volume to keep: the first created (by
// creation time, then ID, for ties within Cinder's one-second precision).
bool CreatedBefore(const openstack::Volume& a, const openstack::Volume& b) {
  return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
}

// The volume this driver created for `name` first: the one every racing creator keeps.
absl::StatusOr<std::string> OldestOfName(openstack::CinderClient& cinder, const std::string& name,
                                         absl::Time deadline) {
  openstack::ListRequest by_name;
  by_name.name = name;
  auto page = cinder.ListVolumes(Call(deadline), by_name);
  if (!page.ok()) return page.status();
  const openstack::Volume* oldest = nullptr;
  for (const openstack::Volume& v : page->volumes) {
    auto tag = v.metadata.find(kMetaCreatedFor);
    if (tag == v.metadata.end() || tag->second != name) continue;
    if (oldest == nullptr || CreatedBefore(v, *oldest)) oldest = &v;
  }
  if (oldest == nullptr) return absl::NotFoundError(StrCat("no volume named ", name));
  return oldest->id;
}

// Aborted after deleting `created` when another volume of `name` is older: the rule every
// racing creator applies, so they all keep the same one. A failed listing decides nothing.
absl::Status ConcedeToOlder(openstack::CinderClient& cinder, const std::string& name,
                            const std::string& created, absl::Time deadline) {
  auto winner = OldestOfName(cinder, name, deadline);
  if (!winner.ok() || *winner == created) return absl::OkStatus();
  DeleteCreated(cinder, created,
                StrCat("a concurrent CreateVolume of ", name, " created ", *winner, " first"));
  return absl::AbortedError(StrCat("a concurrent CreateVolume of ", name, " created volume ",
                                   *winner, "; retry to get it"));
}

void FillResponse(const openstack::Volume& volume, const VolumeSpec& spec,
                  const cloud::Clients& clients, const ::csi::v1::CreateVolumeRequest& request,
                  ::csi::v1::CreateVolumeResponse* response) {
  auto* out = response->mutable_volume();
  out->set_volume_id(cloud::HandleFor(volume.id, clients));
  out->set_capacity_bytes(volume.size_gib * kGiB);
  // A hint for humans and the node; the node reads the truth from Cinder.
  (*out->mutable_volume_context())["encryption"] = std::string(envelope::ModeName(spec.mode));
  if (!volume.availability_zone.empty()) {
    (*out->add_accessible_topology()->mutable_segments())[kTopologyZoneKey] =
        volume.availability_zone;
  }
  if (request.has_volume_content_source()) {
    *out->mutable_content_source() = request.volume_content_source();
  }
}

// CreateVolume's request once everything that needs no cloud has been checked.
struct CreateParams {
  cloud::RequestSecret secret;
  VolumeSpec spec;
  int64_t size_gib = 0;
  std::string zone;
};

absl::StatusOr<CreateParams> ValidateCreate(const ::csi::v1::CreateVolumeRequest& request) {
  if (request.name().empty()) return absl::InvalidArgumentError("name is required");
  if (absl::Status s = CheckCapabilities(request.volume_capabilities()); !s.ok()) return s;
  CreateParams params;
  auto size_gib = SizeGiBFor(request.capacity_range());
  if (!size_gib.ok()) return size_gib.status();
  params.size_gib = *size_gib;
  auto secret = cloud::ParseRequestSecretOf(request.secrets());
  if (!secret.ok()) return secret.status();
  params.secret = *std::move(secret);
  auto spec = ParseVolumeSpec({request.parameters().begin(), request.parameters().end()},
                              params.secret.key_id);
  if (!spec.ok()) return spec.status();
  params.spec = *std::move(spec);
  // A VolumeAttributesClass named at create: its keyRotation label asks for nothing yet.
  if (absl::Status s = CheckMutableParameters(
          {request.mutable_parameters().begin(), request.mutable_parameters().end()});
      !s.ok()) {
    return s;
  }
  auto zone = ZoneFor(params.spec, request);
  if (!zone.ok()) return zone.status();
  params.zone = *std::move(zone);
  return params;
}

// What the pre-flight against the cloud found: a clone's or restore's source, and the tenant's
// key (empty for a plain volume).
struct Resolved {
  std::optional<Source> source;
  SecureBytes key;
};

// Loads the source (same encryption mode; a size of 0 takes the source's) and the tenant's
// key, and checks that cinder mode can work here, all before anything is created.
absl::StatusOr<Resolved> ResolveSourceAndKey(const cloud::Clients& clients,
                                             const ::csi::v1::CreateVolumeRequest& request,
                                             std::string_view byok_microversion,
                                             CreateParams& params, absl::Time deadline) {
  const VolumeSpec& spec = params.spec;
  Resolved resolved;
  if (request.has_volume_content_source()) {
    auto loaded = LoadSource(clients, request.volume_content_source(), deadline);
    if (!loaded.ok()) return loaded.status();
    if (loaded->descriptor.mode != spec.mode) {
      return absl::InvalidArgumentError(StrCat(
          "the source is ", envelope::ModeName(loaded->descriptor.mode),
          "-encrypted but the StorageClass asks for encryption=", envelope::ModeName(spec.mode),
          "; clones and restores keep the source's encryption"));
    }
    if (params.size_gib < loaded->size_gib) {
      if (request.capacity_range().required_bytes() != 0) {
        return absl::OutOfRangeError(StrCat("requested ", params.size_gib,
                                            " GiB is smaller than the ", loaded->size_gib,
                                            " GiB source"));
      }
      params.size_gib = loaded->size_gib;
    }
    resolved.source = *std::move(loaded);
  }
  if (spec.mode != Mode::kNone) {
    auto fetched = cloud::FetchTenantKey(clients, spec.key_id, deadline);
    if (!fetched.ok()) return fetched.status();
    resolved.key = *std::move(fetched);
  }
  if (spec.mode == Mode::kCinder) {
    if (resolved.source && resolved.source->descriptor.key_id != spec.key_id) {
      return absl::InvalidArgumentError(
          StrCat("in cinder mode a clone or restore keeps the source's key ",
                 resolved.source->descriptor.key_id, ", but the Secret names key ", spec.key_id));
    }
    auto version = clients.cinder->GetApiVersion(Call(deadline));
    if (!version.ok()) return version.status();
    if (!version->Supports(byok_microversion)) {
      return CinderLacksByok(StrCat("offers up to ", version->max_version));
    }
  }
  return resolved;
}

// Idempotency: Cinder has no request token, so the CSI name (plus our tag) finds a volume an
// earlier attempt created. The volume to hand out, or nullopt when one must be created; a
// failed earlier attempt is removed on the way.
absl::StatusOr<std::optional<openstack::Volume>> AdoptExisting(
    const cloud::Clients& clients, const ::csi::v1::CreateVolumeRequest& request,
    const CreateParams& params, const Resolved& resolved, absl::Time deadline) {
  openstack::CinderClient& cinder = *clients.cinder;
  openstack::ListRequest by_name;
  by_name.name = request.name();
  auto existing = cinder.ListVolumes(Call(deadline), by_name);
  if (!existing.ok()) return existing.status();
  // Oldest first (the one racing creators agree to keep); a duplicate being deleted is gone.
  std::vector<openstack::Volume> candidates;
  for (const openstack::Volume& volume : existing->volumes) {
    if (volume.status != "deleting") candidates.push_back(volume);
  }
  std::sort(candidates.begin(), candidates.end(), CreatedBefore);
  for (const openstack::Volume& volume : candidates) {
    const Source* source = resolved.source ? &*resolved.source : nullptr;
    if (absl::Status s = CheckCompatible(volume, params.spec, params.spec.key_id, source, request);
        !s.ok()) {
      return s;
    }
    if (StartsWith(volume.status, "error")) {
      std::string fault = FaultOf(cinder, volume.id);
      DeleteCreated(cinder, volume.id, StrCat("an earlier attempt failed: ", fault));
      continue;
    }
    auto ready = WaitForVolume(cinder, volume.id, {"available", "in-use"}, deadline);
    if (absl::IsDeadlineExceeded(ready.status())) {
      return absl::AbortedError(
          StrCat("volume ", volume.id, " for ", request.name(), " is still being created; retry"));
    }
    if (!ready.ok()) return ready.status();
    if (params.spec.mode == Mode::kCinder) {
      if (absl::Status s = VerifyCinderKey(clients, volume.id, resolved.key, deadline); !s.ok()) {
        if (absl::IsInternal(s)) DeleteCreated(cinder, volume.id, "key verification failed");
        return s;
      }
    }
    return std::optional<openstack::Volume>(*std::move(ready));
  }
  return std::optional<openstack::Volume>();
}

// The data key of a clone or restore: the source's, unwrapped with the source's key (the
// copied LUKS header still needs it). When the tenant switched keys, both keys are needed.
absl::StatusOr<SecureBytes> SourceDek(const cloud::Clients& clients, const Source& source,
                                      const std::string& key_id, const SecureBytes& key,
                                      absl::Time deadline) {
  SecureBytes source_key;
  if (source.descriptor.key_id == key_id) {
    source_key = key.Clone();
  } else {
    auto fetched = cloud::FetchTenantKey(clients, source.descriptor.key_id, deadline);
    if (!fetched.ok()) {
      return openstack::Annotate(fetched.status(),
                                 "the source's key is needed to re-wrap its data key");
    }
    source_key = *std::move(fetched);
  }
  return envelope::UnwrapDek(source_key, source.descriptor.wrapped_dek,
                             {source.csi_name, source.descriptor.key_id});
}

// The encryption descriptor, written in the create request itself so that no volume ever
// exists without it. In envelope mode: a fresh data key (LUKS pending), or the source's,
// wrapped with the tenant's key and bound to this volume's name.
absl::StatusOr<Descriptor> BuildDescriptor(const cloud::Clients& clients, const std::string& name,
                                           const CreateParams& params, const Resolved& resolved,
                                           absl::Time deadline) {
  Descriptor descriptor;
  descriptor.mode = params.spec.mode;
  descriptor.key_id = params.spec.key_id;
  if (params.spec.mode != Mode::kEnvelope) return descriptor;
  SecureBytes dek;
  if (resolved.source) {
    auto unwrapped =
        SourceDek(clients, *resolved.source, params.spec.key_id, resolved.key, deadline);
    if (!unwrapped.ok()) return unwrapped.status();
    dek = *std::move(unwrapped);
    descriptor.luks_state = resolved.source->descriptor.luks_state;
  } else {
    auto generated = envelope::GenerateDek();
    if (!generated.ok()) return generated.status();
    dek = *std::move(generated);
    descriptor.luks_state = envelope::LuksState::kPending;
  }
  auto wrapped = envelope::WrapDek(resolved.key, dek, {name, params.spec.key_id});
  if (!wrapped.ok()) return wrapped.status();
  descriptor.wrapped_dek = *std::move(wrapped);
  return descriptor;
}

// The Cinder create request and the options it goes with (cinder mode: the BYOK microversion).
struct CinderCreate {
  openstack::CreateVolumeRequest request;
  CallOptions call;
};

CinderCreate BuildCinderCreate(const cloud::Clients& clients, const std::string& name,
                               const CreateParams& params, const Resolved& resolved,
                               const Descriptor& descriptor, const ControllerOptions& options,
                               absl::Time deadline) {
  const VolumeSpec& spec = params.spec;
  CinderCreate out{.call = Call(deadline)};
  openstack::CreateVolumeRequest& create = out.request;
  create.name = name;
  create.description = "Created by byok.cinder.csi.openstack.org";
  create.size_gib = params.size_gib;
  create.volume_type = spec.volume_type;
  create.availability_zone = params.zone;
  create.metadata = envelope::ToMetadata(descriptor);
  create.metadata[kMetaCluster] = options.cluster_id;
  create.metadata[kMetaCreatedFor] = name;
  cloud::RecordOwner(clients, create.metadata);
  if (!spec.pvc_name.empty()) create.metadata[kParamPvcName] = spec.pvc_name;
  if (!spec.pvc_namespace.empty()) create.metadata[kParamPvcNamespace] = spec.pvc_namespace;
  if (!spec.pv_name.empty()) create.metadata[kParamPvName] = spec.pv_name;
  if (resolved.source) {
    create.snapshot_id = resolved.source->snapshot_id;
    create.source_volid = resolved.source->volume_id;
  } else if (spec.mode == Mode::kCinder) {
    create.encryption_key_id = spec.key_id;
    out.call.microversion = options.byok_microversion;
  }
  return out;
}

// Cinder's refusal of the create, said in terms of what the user set.
absl::Status CreateRefused(const absl::Status& refused, const CinderCreate& create,
                           std::string_view byok_microversion) {
  if (absl::IsResourceExhausted(refused)) {
    return absl::ResourceExhaustedError(
        StrCat("Cinder quota exceeded: ", ToStd(refused.message())));
  }
  if (!create.request.encryption_key_id.empty() && RejectsKeyIdField(refused)) {
    // A Cinder whose API goes past the BYOK microversion number for other reasons.
    return CinderLacksByok(
        StrCat("rejected encryption_key_id at microversion ", byok_microversion));
  }
  if (absl::IsNotFound(refused) && !create.request.volume_type.empty()) {
    return absl::InvalidArgumentError(StrCat("StorageClass parameter ", kParamType, "=",
                                             create.request.volume_type,
                                             ": Cinder rejected it: ", ToStd(refused.message())));
  }
  if (absl::IsDeadlineExceeded(refused)) {
    // Cinder may still carry the request out: the retry adopts that volume by name, and a
    // duplicate it cannot see yet goes with the volume at DeleteVolume.
    return absl::DeadlineExceededError(StrCat("Cinder did not confirm the create of ",
                                              create.request.name, " in time (",
                                              ToStd(refused.message()), "); retry"));
  }
  return refused;
}

// Why the new volume did not become available; a failed one is deleted.
absl::Status NotSettled(openstack::CinderClient& cinder, const std::string& name,
                        const std::string& id, const absl::Status& waited) {
  if (absl::IsDeadlineExceeded(waited)) {
    return absl::AbortedError(
        StrCat("volume ", id, " for ", name, " is still being created; retry"));
  }
  if (absl::IsUnavailable(waited)) {
    // Cinder could not be asked: the volume is left for the retry, which finds it by name.
    return absl::UnavailableError(
        StrCat("volume ", id, " for ", name,
               " was requested but Cinder stopped answering: ", waited.message(), "; retry"));
  }
  std::string fault = FaultOf(cinder, id);
  DeleteCreated(cinder, id, fault);
  std::string message = StrCat("Cinder failed to create volume ", name, ": ", fault);
  if (Contains(ToLower(fault), "no valid backend") || Contains(ToLower(fault), "quota") ||
      Contains(ToLower(fault), "capacity")) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

// Creates the volume and waits until it is available, keeping only the oldest of racing
// creators' volumes and, in cinder mode, only a volume whose key clone holds the tenant's
// bytes.
absl::StatusOr<openstack::Volume> CreateAndSettle(
    const cloud::Clients& clients, const CinderCreate& create, const CreateParams& params,
    const Resolved& resolved, std::string_view byok_microversion, absl::Time deadline) {
  openstack::CinderClient& cinder = *clients.cinder;
  const std::string& name = create.request.name;
  auto created = cinder.CreateVolume(create.call, create.request);
  if (!created.ok()) return CreateRefused(created.status(), create, byok_microversion);
  log::Info("creating volume", {{"volume", created->id},
                                {"name", name},
                                {"encryption", std::string(envelope::ModeName(params.spec.mode))},
                                {"size_gib", std::to_string(params.size_gib)}});
  // Two controllers (e.g. across a leader-election hand-over) may both have found no volume
  // of this name and created one each. Both apply the same rule, so both answer with the same
  // winner, and the loser removes its own.
  if (absl::Status s = ConcedeToOlder(cinder, name, created->id, deadline); !s.ok()) return s;
  auto ready = WaitForVolume(cinder, created->id, {"available"}, deadline);
  if (!ready.ok()) return NotSettled(cinder, name, created->id, ready.status());
  // Once more now that the volume is ready: the other creator's volume may not have been
  // visible to the first check (created_at has one-second precision, so the two can tie),
  // but it is by now, and both sides then see the same two volumes.
  if (absl::Status s = ConcedeToOlder(cinder, name, created->id, deadline); !s.ok()) return s;
  if (params.spec.mode == Mode::kCinder) {
    if (absl::Status s = VerifyCinderKey(clients, created->id, resolved.key, deadline); !s.ok()) {
      if (absl::IsInternal(s)) {
        log::Error("cinder-mode key verification failed",
                   {{"volume", created->id}, {"error", std::string(s.message())}});
        DeleteCreated(cinder, created->id, "key verification failed");
      }
      return s;
    }
  }
  return ready;
}

}  // namespace

// Validate (no cloud), resolve the source and key, adopt an earlier attempt's volume, or
// build the descriptor and the Cinder request, create and settle.
absl::Status ControllerService::DoCreateVolume(absl::Time deadline,
                                               const ::csi::v1::CreateVolumeRequest& request,
                                               ::csi::v1::CreateVolumeResponse* response) {
  auto params = ValidateCreate(request);
  if (!params.ok()) return params.status();
  auto session = Begin(StrCat("create/", request.name()),
                       StrCat("a CreateVolume for ", request.name()), params->secret, deadline);
  if (!session.ok()) return session.status();
  const cloud::Clients& clients = session->clients;

  auto resolved =
      ResolveSourceAndKey(clients, request, options_.byok_microversion, *params, deadline);
  if (!resolved.ok()) return resolved.status();
  auto adopted = AdoptExisting(clients, request, *params, *resolved, deadline);
  if (!adopted.ok()) return adopted.status();
  if (adopted->has_value()) {
    cloud::RegisterKeyConsumer(clients, session->call, params->spec.key_id, cloud::kConsumerVolume,
                               (*adopted)->id);
    FillResponse(**adopted, params->spec, clients, request, response);
    return absl::OkStatus();
  }
  auto descriptor = BuildDescriptor(clients, request.name(), *params, *resolved, deadline);
  if (!descriptor.ok()) return descriptor.status();
  CinderCreate create = BuildCinderCreate(clients, request.name(), *params, *resolved, *descriptor,
                                          options_, deadline);
  auto ready =
      CreateAndSettle(clients, create, *params, *resolved, options_.byok_microversion, deadline);
  if (!ready.ok()) return ready.status();
  cloud::RegisterKeyConsumer(clients, session->call, params->spec.key_id, cloud::kConsumerVolume,
                             ready->id);
  FillResponse(*ready, params->spec, clients, request, response);
  return absl::OkStatus();
}

}  // namespace byok::controller
