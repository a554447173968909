#include "csi/redact.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <memory>

#include "csi/csi.pb.h"

namespace byok::csi {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsSensitive(const FieldDescriptor* field) {
  return field->options().GetExtension(::csi::v1::csi_secret) || field->name() == "mount_flags";
}

void StripField(Message* message, const FieldDescriptor* field) {
  const Reflection* reflection = message->GetReflection();
  if (field->is_map()) {
    const FieldDescriptor* value_field = field->message_type()->map_value();
    for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
      Message* entry = reflection->MutableRepeatedMessage(message, field, i);
      if (value_field->type() == FieldDescriptor::TYPE_STRING ||
          value_field->type() == FieldDescriptor::TYPE_BYTES) {
        entry->GetReflection()->SetString(entry, value_field, kRedacted);
      } else {
        entry->GetReflection()->ClearField(entry, value_field);
      }
    }
  } else if (field->is_repeated()) {
    if (field->type() == FieldDescriptor::TYPE_STRING ||
        field->type() == FieldDescriptor::TYPE_BYTES) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        reflection->SetRepeatedString(message, field, i, kRedacted);
      }
    } else {
      reflection->ClearField(message, field);
    }
  } else if (field->type() == FieldDescriptor::TYPE_STRING ||
             field->type() == FieldDescriptor::TYPE_BYTES) {
    reflection->SetString(message, field, kRedacted);
  } else {
    reflection->ClearField(message, field);
  }
}

void Strip(Message* message) {
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (IsSensitive(field)) {
      StripField(message, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        Strip(reflection->MutableRepeatedMessage(message, field, i));
      }
    } else {
      Strip(reflection->MutableMessage(message, field));
    }
  }
  // Unknown fields could hold anything a newer sidecar sent, including secrets.
  reflection->MutableUnknownFields(message)->Clear();
}

}  // namespace

std::string RedactedText(const Message& message) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  Strip(copy.get());
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.SetUseUtf8StringEscaping(true);
  std::string text;
  printer.PrintToString(*copy, &text);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace byok::csi
