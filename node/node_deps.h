#pragma once

#include "cloud/cloud_access.h"
#include "node/crypt.h"
#include "node/device_finder.h"
#include "node/device_probe.h"
#include "node/exec.h"
#include "node/filesystem.h"
#include "node/mounter.h"

namespace byok::node {

// The seams the node operations work through (not owned).
struct NodeDeps {
  cloud::CloudAccess* cloud = nullptr;
  DeviceFinder* finder = nullptr;
  DeviceProbe* probe = nullptr;
  Crypt* crypt = nullptr;
  Mounter* mounter = nullptr;
  Exec* exec = nullptr;
  Filesystem* fs = nullptr;
};

}  // namespace byok::node
