#include "openstack/cinder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openstack/cinder_json.h"
#include "openstack/errors.h"
#include "openstack/rest_cinder.h"
#include "openstack/testing/canned.h"
#include "openstack/testing/fake_http.h"
#include "openstack/testing/fake_token_provider.h"
#include "openstack/testing/test_api.h"
#include "openstack/testing/test_clients.h"

namespace byok::openstack {
namespace {

using testing::FakeHttpClient;
using ::testing::HasSubstr;

Microversion V(const char* s) { return *Microversion::Parse(s); }

TEST(CinderJsonTest, ParsesVolume) {
  nlohmann::json doc = nlohmann::json::parse(testing::kCinderVolumeBody);
  Volume v = cinder::ParseVolume(doc["volume"]);
  EXPECT_EQ(v.id, "6edbc2f4-1507-44f8-ac0d-eed1d2608d38");
  EXPECT_EQ(v.name, "pvc-1");
  EXPECT_EQ(v.description, "");
  EXPECT_EQ(v.status, "in-use");
  EXPECT_EQ(v.size_gib, 2);
  EXPECT_EQ(v.availability_zone, "nova");
  EXPECT_EQ(v.volume_type, "luks");
  EXPECT_EQ(v.metadata.at("csi.storage.k8s.io/pvc/name"), "data");
  EXPECT_TRUE(v.encrypted);
  EXPECT_FALSE(v.bootable);  // the string "false"
  EXPECT_EQ(v.encryption_key_id, "0b0a7c8e-ffff-4f5e-9d7a-000000000abc");
  EXPECT_EQ(v.snapshot_id, "");
  EXPECT_EQ(v.created_at, "2024-05-01T12:01:02.000000");
  ASSERT_EQ(v.attachments.size(), 1u);
  EXPECT_EQ(v.attachments[0].server_id, "srv-1");
  EXPECT_EQ(v.attachments[0].attachment_id, "att-1");
  EXPECT_EQ(v.attachments[0].device, "/dev/vdb");
}

TEST(CinderJsonTest, ParsesEncryptionMetadata) {
  EncryptionMetadata m = cinder::ParseEncryptionMetadata(nlohmann::json::parse(
      R"({"encryption_key_id": "k", "control_location": "front-end",
          "cipher": "aes-xts-plain64", "key_size": 256, "provider": "luks"})"));
  EXPECT_TRUE(m.encrypted());
  EXPECT_EQ(m.provider, "luks");
  EXPECT_EQ(m.cipher, "aes-xts-plain64");
  EXPECT_EQ(m.key_size, 256);
  EXPECT_EQ(m.control_location, "front-end");
  EncryptionMetadata plain =
      cinder::ParseEncryptionMetadata(nlohmann::json::parse(R"({"encryption_key_id": null})"));
  EXPECT_FALSE(plain.encrypted());
  EXPECT_EQ(plain.key_size, 0);
}

TEST(CinderJsonTest, ParsesLimitsQuotaTypesAttachmentsMessages) {
  Limits l = cinder::ParseLimits(nlohmann::json::parse(R"({"limits": {"rate": [], "absolute": {
      "totalSnapshotsUsed": 1, "maxTotalBackups": 10, "maxTotalVolumeGigabytes": 1000,
      "maxTotalSnapshots": 10, "maxTotalBackupGigabytes": 1000, "totalBackupGigabytesUsed": 0,
      "maxTotalVolumes": 10, "totalVolumesUsed": 3, "totalBackupsUsed": 0,
      "totalGigabytesUsed": 5}}})"));
  EXPECT_EQ(l.max_total_volumes, 10);
  EXPECT_EQ(l.total_volumes_used, 3);
  EXPECT_EQ(l.max_total_gigabytes, 1000);
  EXPECT_EQ(l.total_gigabytes_used, 5);
  EXPECT_EQ(l.total_snapshots_used, 1);

  auto q = cinder::ParseQuotaUsage(nlohmann::json::parse(R"({"quota_set": {"id": "p",
      "volumes": {"limit": 10, "in_use": 2, "reserved": 1, "allocated": 0},
      "gigabytes": {"limit": -1, "in_use": 4, "reserved": 0, "allocated": 0},
      "backups": 5}})"));
  EXPECT_EQ(q.at("volumes").limit, 10);
  EXPECT_EQ(q.at("volumes").in_use, 2);
  EXPECT_EQ(q.at("volumes").reserved, 1);
  EXPECT_EQ(q.at("gigabytes").limit, -1);
  EXPECT_EQ(q.at("backups").limit, 5);
  EXPECT_EQ(q.count("id"), 0u);

  VolumeType t = cinder::ParseVolumeType(nlohmann::json::parse(
      R"({"id": "t1", "name": "luks", "description": null, "is_public": true,
          "extra_specs": {"volume_backend_name": "nfs"}})"));
  EXPECT_EQ(t.name, "luks");
  EXPECT_EQ(t.extra_specs.at("volume_backend_name"), "nfs");
  VolumeTypeEncryption te = cinder::ParseVolumeTypeEncryption(nlohmann::json::parse(
      R"({"volume_type_id": "t1", "control_location": "front-end", "deleted": false,
          "created_at": "x", "provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256})"));
  EXPECT_TRUE(te.encrypted());
  EXPECT_EQ(te.key_size, 256);
  EXPECT_FALSE(cinder::ParseVolumeTypeEncryption(nlohmann::json::object()).encrypted());

  Attachment a = cinder::ParseAttachment(nlohmann::json::parse(
      R"({"id": "a1", "status": "attached", "instance": "srv", "volume_id": "v"})"));
  EXPECT_EQ(a.instance, "srv");
  UserMessage m = cinder::ParseUserMessage(nlohmann::json::parse(
      R"({"id": "m", "event_id": "VOLUME_VOLUME_001_002", "resource_uuid": "v",
          "message_level": "ERROR", "user_message": "schedule allocate volume: Could not find any available weighted backend.",
          "created_at": "t"})"));
  EXPECT_THAT(m.user_message, HasSubstr("weighted backend"));
}

TEST(CinderJsonTest, ParsesVersionDocument) {
  // GET http://host:8776/ answers 300 with all versions.
  absl::StatusOr<ApiVersion> v = cinder::ParseApiVersion(nlohmann::json::parse(R"({"versions": [
      {"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0",
       "updated": "2022-08-31T00:00:00Z", "links": []}]})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->max_version, "3.70");
  EXPECT_TRUE(v->Supports("3.53"));
  EXPECT_TRUE(v->Supports("3.70"));
  EXPECT_FALSE(v->Supports("3.71"));
  EXPECT_FALSE(v->Supports("2.9"));
  EXPECT_FALSE(v->Supports("junk"));
  EXPECT_FALSE(cinder::ParseApiVersion(nlohmann::json::parse(R"({"versions": []})")).ok());
  EXPECT_EQ(cinder::VersionRoot("http://h:8776/v3/p-1"), "http://h:8776/");
  EXPECT_EQ(cinder::VersionRoot("https://h/volume/v3"), "https://h/volume/");
  EXPECT_EQ(cinder::VersionRoot("https://h/v30/x"), "https://h/v30/x/");
}

TEST(CinderJsonTest, NextMarkerFromLinks) {
  nlohmann::json doc = nlohmann::json::parse(R"({"volumes": [], "volumes_links": [
      {"href": "http://h/v3/p/volumes/detail?limit=2&marker=abc-1", "rel": "next"}]})");
  EXPECT_EQ(cinder::NextMarker(doc, "volumes_links"), "abc-1");
  EXPECT_EQ(cinder::NextMarker(nlohmann::json::parse("{}"), "volumes_links"), "");
}

TEST(CinderJsonTest, EncryptionKeyIdNeedsMicroversion353) {
  CreateVolumeRequest r;
  r.name = "v";
  r.size_gib = 1;
  r.volume_type = "luks";
  r.encryption_key_id = "0b0a7c8e-ffff-4f5e-9d7a-000000000abc";
  absl::StatusOr<nlohmann::json> body = cinder::CreateVolumeBody(r, V("3.52"));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(body.status().message()), HasSubstr("silently ignores"));
  body = cinder::CreateVolumeBody(r, V("3.53"));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["volume"]["encryption_key_id"], r.encryption_key_id);

  r.encryption_key_id.clear();
  r.metadata = {{"k", "v"}};
  r.availability_zone = "nova";
  body = cinder::CreateVolumeBody(r, V("3.0"));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, nlohmann::json::parse(R"({"volume": {"size": 1, "name": "v",
      "volume_type": "luks", "availability_zone": "nova", "metadata": {"k": "v"}}})"));
}

TEST(CinderJsonTest, SnapshotForceRule) {
  CreateSnapshotRequest r{"vol", "snap", "", false, {}};
  EXPECT_EQ(cinder::CreateSnapshotBody(r, V("3.50"))["snapshot"]["force"], false);
  EXPECT_FALSE(cinder::CreateSnapshotBody(r, V("3.66"))["snapshot"].contains("force"));
  r.force = true;
  EXPECT_EQ(cinder::CreateSnapshotBody(r, V("3.66"))["snapshot"]["force"], true);
}

TEST(CinderJsonTest, ListQuery) {
  ListRequest r;
  EXPECT_EQ(cinder::ListQuery(r, false), "");
  r.limit = 2;
  r.marker = "m";
  r.name = "a b";
  r.metadata = {{"cluster", "k8s"}};
  r.volume_id = "ignored-for-volumes";
  EXPECT_EQ(cinder::ListQuery(r, false),
            "?limit=2&marker=m&name=a%20b&metadata=%7B%22cluster%22%3A%22k8s%22%7D");
  EXPECT_THAT(cinder::ListQuery(r, true), HasSubstr("volume_id=ignored-for-volumes"));
}

class RestCinderTest : public ::testing::Test {
 protected:
  RestCinderTest()
      : tokens_(testing::FakeTokenProvider::Endpoints{
            {kServiceBlockStorage, "http://cinder:8776/v3/p-1"}}),
        auth_(&tokens_, &http_) {
    client_ = *RestCinderClient::Create(&auth_);
    test_client_ = *testing::CinderTestClient::Create(&auth_);
  }
  FakeHttpClient http_;
  testing::FakeTokenProvider tokens_;
  AuthenticatedClient auth_;
  std::unique_ptr<RestCinderClient> client_;
  // The calls only tests make, on the same transport.
  std::unique_ptr<testing::CinderTestClient> test_client_;
};

TEST_F(RestCinderTest, SendsMicroversionTokenAndJson) {
  http_.On(HttpMethod::kGet, "/volumes/6edbc2f4", {200, testing::kCinderVolumeBody});
  absl::StatusOr<Volume> v = client_->GetVolume({}, "6edbc2f4-1507-44f8-ac0d-eed1d2608d38");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->status, "in-use");
  FakeHttpClient::Recorded r = http_.Request(0);
  EXPECT_EQ(r.url, "http://cinder:8776/v3/p-1/volumes/6edbc2f4-1507-44f8-ac0d-eed1d2608d38");
  EXPECT_EQ(r.Header("OpenStack-API-Version"), "volume 3.64");
  EXPECT_EQ(r.Header("Accept"), "application/json");
  EXPECT_EQ(r.auth_token.view(), "fake-token-1");
  EXPECT_EQ(r.service, "cinder");
}

TEST_F(RestCinderTest, PerCallMicroversionAndCreateBody) {
  http_.On(HttpMethod::kPost, "/volumes",
           {202, R"({"volume": {"id": "v1", "name": "pvc-1", "status": "creating", "size": 1}})"});
  CreateVolumeRequest req;
  req.name = "pvc-1";
  req.size_gib = 1;
  req.volume_type = "luks";
  req.encryption_key_id = "0b0a7c8e-ffff-4f5e-9d7a-000000000abc";
  CallOptions o;
  o.microversion = "3.71";
  absl::StatusOr<Volume> v = client_->CreateVolume(o, req);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->status, "creating");
  FakeHttpClient::Recorded r = http_.Request(0);
  EXPECT_EQ(r.Header("OpenStack-API-Version"), "volume 3.71");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_FALSE(r.idempotent);
  nlohmann::json body = nlohmann::json::parse(r.body.view());
  EXPECT_EQ(body["volume"]["encryption_key_id"], req.encryption_key_id);

  o.microversion = "3.50";
  EXPECT_EQ(client_->CreateVolume(o, req).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(http_.RequestCount(), 1u);  // refused locally, nothing sent
}

TEST_F(RestCinderTest, MapsErrors) {
  http_.On(
      HttpMethod::kPost, "/volumes",
      {413,
       R"({"overLimit": {"code": 413, "message": "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'."}})",
       {{"x-openstack-request-id", "req-q"}}});
  http_.On(
      HttpMethod::kGet, "/volumes/missing",
      {404, R"({"itemNotFound": {"code": 404, "message": "Volume missing could not be found."}})"});
  CreateVolumeRequest req;
  req.size_gib = 1;
  req.name = "x";
  absl::Status s = client_->CreateVolume({}, req).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cinder: create volume \"x\": HTTP 413: VolumeLimitExceeded"));
  EXPECT_EQ(RequestIdOf(s), "req-q");
  s = client_->GetVolume({}, "missing").status();
  EXPECT_TRUE(absl::IsNotFound(s));
}

TEST_F(RestCinderTest, ListsWithPagingAndFilters) {
  http_.On(HttpMethod::kGet, "/volumes/detail",
           {200, R"({"volumes": [{"id": "a"}, {"id": "b"}], "volumes_links": [
                    {"rel": "next", "href": "http://cinder:8776/v3/p-1/volumes/detail?limit=2&marker=b"}]})"});
  ListRequest r;
  r.limit = 2;
  r.metadata = {{"cinder.csi.openstack.org/cluster", "k8s"}};
  absl::StatusOr<VolumePage> page = client_->ListVolumes({}, r);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->volumes.size(), 2u);
  EXPECT_EQ(page->next_marker, "b");
  EXPECT_THAT(http_.Request(0).url, HasSubstr("/volumes/detail?limit=2&metadata=%7B"));
}

TEST_F(RestCinderTest, ActionsAndMetadata) {
  http_.On(HttpMethod::kPost, "/action", {202, ""});
  http_.On(HttpMethod::kPost, "/metadata", {200, R"({"metadata": {"a": "1", "b": "2"}})"});
  http_.On(HttpMethod::kDelete, "/metadata/", {200, ""});
  http_.On(HttpMethod::kGet, "/volumes/v1/metadata",
           {200, R"({"metadata": {"a/b": "1", "c": "2"}})", {{"Etag", "e-1"}}});
  http_.On(HttpMethod::kPut, "/volumes/v1/metadata", {200, R"({"metadata": {"c": "2"}})"});
  http_.On(
      HttpMethod::kGet, "/encryption",
      {200,
       R"({"encryption_key_id": "k", "provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256, "control_location": "front-end"})"});
  CallOptions o;
  o.microversion = kCinderExtendInUse;
  ASSERT_TRUE(client_->ExtendVolume(o, "v1", 3).ok());
  EXPECT_EQ(http_.Request(0).Header("OpenStack-API-Version"), "volume 3.42");
  EXPECT_EQ(nlohmann::json::parse(http_.Request(0).body.view()),
            nlohmann::json::parse(R"({"os-extend": {"new_size": 3}})"));
  auto md = client_->UpdateVolumeMetadata({}, "v1", {{"b", "2"}});
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->size(), 2u);
  EXPECT_TRUE(http_.Request(1).idempotent);  // a merge can be repeated
  ASSERT_TRUE(client_->DeleteVolumeMetadataKey({}, "v1", "c").ok());
  EXPECT_THAT(http_.Request(2).url, HasSubstr("/volumes/v1/metadata/c"));
  // A key with '/' cannot be addressed in a URL: the set is rewritten under its Etag.
  ASSERT_TRUE(client_->DeleteVolumeMetadataKey({}, "v1", "a/b").ok());
  EXPECT_EQ(http_.Request(3).method, HttpMethod::kGet);
  FakeHttpClient::Recorded put = http_.Request(4);
  EXPECT_EQ(put.method, HttpMethod::kPut);
  EXPECT_EQ(put.Header("If-Match"), "e-1");
  EXPECT_EQ(nlohmann::json::parse(put.body.view()),
            nlohmann::json::parse(R"({"metadata": {"c": "2"}})"));
  EXPECT_TRUE(absl::IsNotFound(client_->DeleteVolumeMetadataKey({}, "v1", "x/y")));
  auto enc = client_->GetVolumeEncryption({}, "v1");
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->provider, "luks");
}

TEST_F(RestCinderTest, AttachmentsAndMessagesRaiseTheMicroversion) {
  http_.On(
      HttpMethod::kGet, "/attachments",
      {200,
       R"({"attachments": [{"id": "a", "volume_id": "v", "instance": "s", "status": "attached"}]})"});
  http_.On(HttpMethod::kGet, "/messages", {200, R"({"messages": []})"});
  CallOptions o;
  o.microversion = "3.0";
  auto a = test_client_->ListAttachments(o, "v");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 1u);
  EXPECT_EQ(http_.Request(0).Header("OpenStack-API-Version"), "volume 3.27");
  EXPECT_THAT(http_.Request(0).url, HasSubstr("attachments?volume_id=v"));
  ASSERT_TRUE(client_->ListMessages(o, "v").ok());
  EXPECT_EQ(http_.Request(1).Header("OpenStack-API-Version"), "volume 3.3");
}

TEST_F(RestCinderTest, VersionDocumentAtTheRoot) {
  http_.On(
      HttpMethod::kGet, "http://cinder:8776/",
      {300,
       R"({"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0"}]})"});
  absl::StatusOr<ApiVersion> v = client_->GetApiVersion({});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->max_version, "3.70");
  EXPECT_EQ(http_.Request(0).url, "http://cinder:8776/");
}

TEST_F(RestCinderTest, QuotaCalls) {
  http_.On(HttpMethod::kPut, "/os-quota-sets/p-2", {200, R"({"quota_set": {"volumes": 1}})"});
  http_.On(
      HttpMethod::kGet, "/os-quota-sets/p-2?usage=True",
      {200,
       R"({"quota_set": {"volumes": {"limit": 1, "in_use": 0, "reserved": 0, "allocated": 0}}})"});
  ASSERT_TRUE(test_client_->UpdateQuota({}, "p-2", {{"volumes", 1}}).ok());
  EXPECT_EQ(nlohmann::json::parse(http_.Request(0).body.view()),
            nlohmann::json::parse(R"({"quota_set": {"volumes": 1}})"));
  auto q = test_client_->GetQuotaUsage({}, "p-2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("volumes").limit, 1);
}

// Found by review: UrlEncode leaves "." and ".." as they are, so GET volumes/.. addressed the
// volume collection, and an ID with a '/' (decoded by WSGI before routing) another resource.
// Such IDs are refused before anything is sent.
TEST_F(RestCinderTest, RefusesIdsThatAreNotOnePathSegment) {
  http_.On(HttpMethod::kGet, "/", {200, testing::kCinderVolumeBody});
  http_.On(HttpMethod::kDelete, "/", {202, ""});
  http_.On(HttpMethod::kPost, "/", {202, R"({"metadata": {}})"});
  http_.On(HttpMethod::kPut, "/", {200, R"({"quota_set": {}})"});
  absl::Status s = client_->GetVolume({}, "..").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("volume id \"..\""));
  EXPECT_EQ(http_.RequestCount(), 0u);
  for (const std::string id : {"", ".", "..", "../snapshots/s1", "v1/..", "a\\b", "v\n1"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(client_->GetVolume({}, id).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->DeleteVolume({}, id).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->ExtendVolume({}, id, 2).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->GetVolumeMetadata({}, id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->UpdateVolumeMetadata({}, id, {{"a", "1"}}).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->DeleteVolumeMetadataKey({}, id, "a").code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->GetVolumeEncryption({}, id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->GetSnapshot({}, id).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->DeleteSnapshot({}, id).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->GetSnapshotMetadata({}, id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->UpdateSnapshotMetadata({}, id, {{"a", "1"}}).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(client_->DeleteSnapshotMetadataKey({}, id, "a").code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->GetVolumeType({}, id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->GetVolumeTypeEncryption({}, id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->GetQuotaUsage({}, id).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(test_client_->UpdateQuota({}, id, {{"volumes", 1}}).code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(http_.RequestCount(), 0u);
}

// A hostile ID is quoted in the error only as a short printable prefix.
TEST_F(RestCinderTest, RefusedIdIsNotEchoedInFull) {
  const std::string id = "../" + std::string(10000, 'x') + "\x01\n";
  absl::Status s = client_->GetVolume({}, id).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(s.message().size(), 300u) << s.message().substr(0, 300);
  EXPECT_EQ(s.message().find('\n'), absl::string_view::npos);
  EXPECT_EQ(http_.RequestCount(), 0u);
}

// A metadata key of ".." would make DELETE .../volumes/v1/metadata/.. -- which libcurl
// normalises to DELETE .../volumes/v1, the volume itself. Keys that cannot be one path
// segment are removed by rewriting the set, as keys with a '/' are.
TEST_F(RestCinderTest, DotMetadataKeysAreRemovedByRewritingTheSet) {
  http_.On(HttpMethod::kDelete, "/", {202, ""});
  http_.On(HttpMethod::kGet, "/volumes/v1/metadata",
           {200, R"({"metadata": {"..": "1", ".": "2", "c": "3"}})", {{"Etag", "e-1"}}});
  http_.On(HttpMethod::kPut, "/volumes/v1/metadata", {200, R"({"metadata": {}})"});
  ASSERT_TRUE(client_->DeleteVolumeMetadataKey({}, "v1", "..").ok());
  ASSERT_TRUE(client_->DeleteVolumeMetadataKey({}, "v1", ".").ok());
  EXPECT_EQ(http_.CountMatching(HttpMethod::kDelete, ""), 0);
  ASSERT_EQ(http_.RequestCount(), 4u);
  EXPECT_EQ(nlohmann::json::parse(http_.Request(1).body.view()),
            nlohmann::json::parse(R"({"metadata": {".": "2", "c": "3"}})"));
}

// A hostile Cinder may nest a metadata value thousands of levels deep; flattening it used to
// recurse once per level (json::StringMap -> dump) and overflow the stack.
TEST_F(RestCinderTest, DeeplyNestedResponseIsRefused) {
  constexpr int kDepth = 100000;
  std::string body = R"({"volume": {"id": "v1", "metadata": {"k": )";
  body += std::string(kDepth, '[') + std::string(kDepth, ']') + "}}}";
  http_.On(HttpMethod::kGet, "/volumes/v1", {200, body});
  absl::Status s = client_->GetVolume({}, "v1").status();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("cinder: get volume v1: response nested deeper than 64 levels"));
}

// Every later decision (owner, key, attachments) is about the ID asked for: a reply about
// another volume or snapshot is an error, never an answer.
TEST_F(RestCinderTest, RepliesAboutAnotherObjectAreRefused) {
  http_.On(HttpMethod::kGet, "/volumes/v1", {200, R"({"volume": {"id": "v2", "size": 1}})"});
  absl::Status s = client_->GetVolume({}, "v1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()), HasSubstr("answered with volume \"v2\""));
  http_.On(HttpMethod::kGet, "/snapshots/s1", {200, R"({"snapshot": {"id": "s2"}})"});
  EXPECT_EQ(client_->GetSnapshot({}, "s1").status().code(), absl::StatusCode::kInternal);
  http_.On(HttpMethod::kPost, "/volumes",
           {202, R"({"volume": {"id": "v3", "name": "someone-else", "size": 1}})"});
  CreateVolumeRequest req;
  req.name = "pvc-1";
  req.size_gib = 1;
  EXPECT_EQ(client_->CreateVolume({}, req).status().code(), absl::StatusCode::kInternal);
}

TEST(RestCinderCreateTest, RejectsBadDefaultMicroversion) {
  testing::FakeTokenProvider tokens;
  FakeHttpClient http;
  AuthenticatedClient auth(&tokens, &http);
  EXPECT_FALSE(RestCinderClient::Create(&auth, {"three"}).ok());
}

}  // namespace
}  // namespace byok::openstack
