#pragma once

#include <string>

namespace google::protobuf {
class Message;
}

namespace byok::csi {

inline constexpr char kRedacted[] = "***stripped***";

// One-line text form of a CSI message that is safe to log: every field the spec marks with
// the (csi.v1.csi_secret) option is replaced, at any depth, found by reflection so new
// secret fields are covered without code changes. Map fields keep their keys (e.g. "keyID")
// and lose their values. mount_flags are stripped too: they are not marked secret in the
// spec, but mount options can carry credentials.
std::string RedactedText(const google::protobuf::Message& message);

}  // namespace byok::csi
