#pragma once

#include "csi/csi.pb.h"

namespace byok::csi {

// The access modes this driver serves, decided once for controller and node: a Cinder volume
// is attached to one server at a time (and Cinder refuses multiattach for encrypted types),
// so only the SINGLE_NODE_* modes. A MULTI_NODE_* volume the controller refused to create or
// publish must not be staged either.
inline bool IsServedAccessMode(::csi::v1::VolumeCapability::AccessMode::Mode mode) {
  using Mode = ::csi::v1::VolumeCapability::AccessMode;
  return mode == Mode::SINGLE_NODE_WRITER || mode == Mode::SINGLE_NODE_READER_ONLY ||
         mode == Mode::SINGLE_NODE_SINGLE_WRITER || mode == Mode::SINGLE_NODE_MULTI_WRITER;
}

}  // namespace byok::csi
