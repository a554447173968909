#include "csi/redact.h"

#include <gtest/gtest.h>

#include "csi/csi.pb.h"

namespace byok::csi {
namespace {

constexpr char kPlanted[] = "PLANTED-SECRET-7f3a9c";

TEST(RedactTest, StripsSecretMapsAtTopLevel) {
  ::csi::v1::NodeStageVolumeRequest request;
  request.set_volume_id("vol-1");
  (*request.mutable_secrets())["keyID"] = kPlanted;
  (*request.mutable_secrets())["application-credential-secret"] = kPlanted;
  std::string text = RedactedText(request);
  EXPECT_EQ(text.find(kPlanted), std::string::npos) << text;
  EXPECT_NE(text.find("vol-1"), std::string::npos) << text;
  EXPECT_NE(text.find("keyID"), std::string::npos) << text;
  EXPECT_NE(text.find(kRedacted), std::string::npos) << text;
  // The original is untouched.
  EXPECT_EQ(request.secrets().at("keyID"), kPlanted);
}

TEST(RedactTest, StripsEverySecretFieldOfEveryRequestThatHasOne) {
  // Any message in the csi.v1 package with a csi_secret field: plant the secret in each such
  // field, and the text must not contain it.
  const auto* file = ::csi::v1::CreateVolumeRequest::descriptor()->file();
  int checked = 0;
  for (int m = 0; m < file->message_type_count(); ++m) {
    const auto* descriptor = file->message_type(m);
    const auto* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor);
    std::unique_ptr<google::protobuf::Message> message(prototype->New());
    bool planted = false;
    for (int f = 0; f < descriptor->field_count(); ++f) {
      const auto* field = descriptor->field(f);
      if (!field->options().GetExtension(::csi::v1::csi_secret)) continue;
      ASSERT_TRUE(field->is_map()) << field->full_name();
      auto* entry = message->GetReflection()->AddMessage(message.get(), field);
      const auto* entry_desc = entry->GetDescriptor();
      entry->GetReflection()->SetString(entry, entry_desc->map_key(), "k");
      entry->GetReflection()->SetString(entry, entry_desc->map_value(), kPlanted);
      planted = true;
    }
    if (!planted) continue;
    ++checked;
    std::string text = RedactedText(*message);
    EXPECT_EQ(text.find(kPlanted), std::string::npos) << descriptor->full_name() << ": " << text;
  }
  // CreateVolume, DeleteVolume, ControllerPublish/Unpublish, ValidateVolumeCapabilities,
  // ListVolumes? no; CreateSnapshot, DeleteSnapshot, ListSnapshots, ControllerExpand,
  // NodeStage, NodePublish, NodeExpand, ControllerModifyVolume, GetSnapshot ... at least 10.
  EXPECT_GE(checked, 10);
}

TEST(RedactTest, StripsMountFlagsInNestedCapabilities) {
  ::csi::v1::NodePublishVolumeRequest request;
  request.mutable_volume_capability()->mutable_mount()->add_mount_flags(std::string("password=") +
                                                                        kPlanted);
  request.mutable_volume_capability()->mutable_mount()->set_fs_type("ext4");
  std::string text = RedactedText(request);
  EXPECT_EQ(text.find(kPlanted), std::string::npos) << text;
  EXPECT_NE(text.find("ext4"), std::string::npos) << text;
}

}  // namespace
}  // namespace byok::csi
