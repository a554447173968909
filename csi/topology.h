#pragma once

namespace byok::csi {

// The topology segment of a volume's and a node's availability zone. The controller writes it
// into accessible_topology and the node into NodeGetInfo: the two must agree, or Kubernetes
// schedules no pod onto any node for the volume.
inline constexpr char kTopologyZoneKey[] = "topology.cinder.csi.openstack.org/zone";

}  // namespace byok::csi
