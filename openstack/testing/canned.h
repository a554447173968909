#pragma once

// Canned OpenStack responses (shapes as Zed returns them) shared by the unit tests.
namespace byok::openstack::testing {

// POST /v3/auth/tokens 201 body: password auth, project scope, catalog with identity,
// block-storage + volumev3 (two regions, three interfaces), compute and key-manager.
inline constexpr char kKeystoneTokenBody[] = R"json({
  "token": {
    "methods": ["password"],
    "user": {"domain": {"id": "default", "name": "Default"}, "id": "u-1", "name": "demo",
             "password_expires_at": null},
    "audit_ids": ["a1"],
    "expires_at": "2024-05-01T13:00:00.000000Z",
    "issued_at": "2024-05-01T12:00:00.000000Z",
    "project": {"domain": {"id": "default", "name": "Default"}, "id": "p-1", "name": "demo"},
    "is_domain": false,
    "roles": [{"id": "r1", "name": "reader"}, {"id": "r2", "name": "member"}],
    "catalog": [
      {"endpoints": [{"id": "e1", "interface": "public", "region_id": "RegionOne",
                      "url": "http://127.0.0.1:5000/v3", "region": "RegionOne"}],
       "id": "s1", "type": "identity", "name": "keystone"},
      {"endpoints": [{"id": "e2", "interface": "public", "region_id": "RegionOne",
                      "url": "http://127.0.0.1:8776/v3/p-1", "region": "RegionOne"},
                     {"id": "e3", "interface": "internal", "region_id": "RegionOne",
                      "url": "http://cinder.internal:8776/v3/p-1", "region": "RegionOne"},
                     {"id": "e4", "interface": "public", "region_id": "RegionTwo",
                      "url": "http://cinder.two:8776/v3/p-1", "region": "RegionTwo"}],
       "id": "s2", "type": "volumev3", "name": "cinderv3"},
      {"endpoints": [{"id": "e5", "interface": "public", "region_id": "RegionOne",
                      "url": "http://127.0.0.1:8774/v2.1", "region": "RegionOne"}],
       "id": "s3", "type": "compute", "name": "nova"},
      {"endpoints": [{"id": "e6", "interface": "public", "region_id": "RegionOne",
                      "url": "http://127.0.0.1:9311", "region": "RegionOne"}],
       "id": "s4", "type": "key-manager", "name": "barbican"}
    ]
  }
})json";

// GET /v3/{p}/volumes/{id} at 3.64 of an attached, encrypted volume.
inline constexpr char kCinderVolumeBody[] = R"json({
  "volume": {
    "id": "6edbc2f4-1507-44f8-ac0d-eed1d2608d38",
    "status": "in-use", "size": 2, "availability_zone": "nova",
    "created_at": "2024-05-01T12:01:02.000000", "updated_at": "2024-05-01T12:01:09.000000",
    "name": "pvc-1", "description": null, "volume_type": "luks",
    "volume_type_id": "7f8c1a5e-0000-0000-0000-000000000001",
    "snapshot_id": null, "source_volid": null,
    "metadata": {"cinder.csi.openstack.org/cluster": "k8s", "csi.storage.k8s.io/pvc/name": "data"},
    "links": [], "user_id": "u-1", "bootable": "false", "encrypted": true,
    "encryption_key_id": "0b0a7c8e-ffff-4f5e-9d7a-000000000abc",
    "replication_status": null, "consistencygroup_id": null, "multiattach": false,
    "attachments": [{"id": "6edbc2f4-1507-44f8-ac0d-eed1d2608d38",
                     "attachment_id": "att-1", "volume_id": "6edbc2f4-1507-44f8-ac0d-eed1d2608d38",
                     "server_id": "srv-1", "host_name": null, "device": "/dev/vdb",
                     "attached_at": "2024-05-01T12:01:09.000000"}]
  }
})json";

}  // namespace byok::openstack::testing
