#include "node/instance_metadata.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/log.h"
#include "common/strings.h"
#include "openstack/json_util.h"

namespace byok::node {
namespace {

constexpr char kMetaDataPath[] = "openstack/latest/meta_data.json";

}  // namespace

absl::StatusOr<InstanceInfo> ParseMetaData(std::string_view json) {
  // The shared parser bounds nesting: the metadata service's answer is untrusted too.
  absl::StatusOr<nlohmann::json> parsed = openstack::json::Parse(json, "meta_data.json");
  if (!parsed.ok() || !parsed->is_object()) {
    return absl::InvalidArgumentError("meta_data.json is not a JSON object");
  }
  const nlohmann::json& doc = *parsed;
  InstanceInfo info;
  if (auto it = doc.find("uuid"); it != doc.end() && it->is_string()) info.uuid = *it;
  if (auto it = doc.find("availability_zone"); it != doc.end() && it->is_string()) {
    info.availability_zone = *it;
  }
  if (info.uuid.empty()) return absl::InvalidArgumentError("meta_data.json has no \"uuid\"");
  return info;
}

ConfigDriveMetadata::ConfigDriveMetadata(Mounter* mounter, LabelLookup lookup, std::string temp_dir)
    : mounter_(mounter), lookup_(std::move(lookup)), temp_dir_(std::move(temp_dir)) {}

absl::StatusOr<InstanceInfo> ConfigDriveMetadata::Get(absl::Time) {
  if (!lookup_) return absl::InternalError("the config drive source has no label lookup");
  absl::StatusOr<std::string> device = lookup_(kConfigDriveLabel);
  if (!device.ok()) return device.status();
  std::string pattern = StrCat(temp_dir_, "/byok-config-drive.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(StrCat("cannot create a directory in ", temp_dir_));
  }
  const std::string dir = pattern;
  absl::StatusOr<InstanceInfo> info;
  if (absl::Status s = mounter_->Mount(*device, dir, "", {"ro", "nosuid", "nodev", "noexec"});
      !s.ok()) {
    info = s;
  } else {
    std::ifstream in(std::filesystem::path(dir) / kMetaDataPath);
    if (!in) {
      info = absl::NotFoundError(StrCat("the config drive ", *device, " has no ", kMetaDataPath));
    } else {
      std::stringstream text;
      text << in.rdbuf();
      info = ParseMetaData(text.str());
    }
    if (absl::Status s = mounter_->Unmount(dir); !s.ok()) {
      log::Warning("cannot unmount the config drive",
                   {{"dir", dir}, {"error", std::string(s.message())}});
    }
  }
  rmdir(dir.c_str());
  return info;
}

MetadataServiceMetadata::MetadataServiceMetadata(openstack::HttpClient* http, std::string base_url,
                                                 absl::Duration request_timeout)
    : http_(http),
      base_url_(base_url.empty() ? kDefaultMetadataUrl : std::move(base_url)),
      request_timeout_(request_timeout) {
  while (EndsWith(base_url_, "/")) base_url_.pop_back();
}

absl::StatusOr<InstanceInfo> MetadataServiceMetadata::Get(absl::Time deadline) {
  openstack::HttpRequest request;
  request.method = openstack::HttpMethod::kGet;
  request.url = StrCat(base_url_, "/", kMetaDataPath);
  request.service = "metadata";
  request.deadline = deadline;
  if (request_timeout_ > absl::ZeroDuration()) {
    request.deadline = std::min(deadline, absl::Now() + request_timeout_);
  }
  request.SetHeader("Accept", "application/json");
  absl::StatusOr<openstack::HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    return absl::UnavailableError(
        StrCat("metadata service ", request.url, ": ", response.status().message()));
  }
  if (!response->Ok()) {
    return absl::UnavailableError(
        StrCat("metadata service ", request.url, " answered HTTP ", response->status));
  }
  return ParseMetaData(response->BodyView());
}

absl::StatusOr<InstanceInfo> ChainedMetadata::Get(absl::Time deadline) {
  std::string errors;
  for (Source& source : sources_) {
    absl::StatusOr<InstanceInfo> info = source.metadata->Get(deadline);
    if (info.ok()) return info;
    StrAppend(&errors, errors.empty() ? "" : "; ", source.name, ": ", info.status().message());
  }
  if (sources_.empty()) errors = "no metadata source configured";
  return absl::UnavailableError(StrCat("cannot learn the Nova instance: ", errors));
}

}  // namespace byok::node
