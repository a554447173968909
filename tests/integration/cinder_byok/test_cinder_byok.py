#!/usr/bin/python3
"""Integration tests of the BYOK Cinder patch (contrib/cinder-byok) on the real lab.

Needs a lab started by tests/lab/up.sh with CINDER_BYOK=1 and its env.sh in the
environment (run.sh sources it). Talks REST to Keystone, Barbican and Cinder as the
lab's demo and alt users, and reads the volume files that Cinder's NFS driver wrote
(LAB_VOLUME_DIR) with qemu-img, as root.

The proof that the user's key is really used: the qcow2+LUKS file of a volume created
with encryption_key_id opens with the lowercase hex of the *user's* key bytes as the
passphrase (what Cinder, Nova and os-brick use), and not with another one. The
passphrase only ever goes to qemu-img through a 0600 file in a private 0700 temp dir.
"""

import base64
import binascii
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import requests

E = os.environ
KS = E.get('LAB_KEYSTONE_URL', '')
BARBICAN = E.get('LAB_BARBICAN_URL', '').rstrip('/')
CINDER = E.get('LAB_CINDER_URL', '').rstrip('/')        # .../v3
CINDER_ROOT = CINDER.rsplit('/v3', 1)[0]
ENC_TYPE = E.get('LAB_ENCRYPTED_VOLUME_TYPE', 'luks')
VOLUME_DIR = E.get('LAB_VOLUME_DIR', '')
BACKEND = E.get('LAB_CINDER_BACKEND', 'nfs')
BYOK_MV = '3.71'
WAIT = float(E.get('CINDER_BYOK_IT_WAIT', '300'))   # s, per volume state change
RUN_ID = uuid.uuid4().hex[:8]
QEMU_IMG = '/usr/bin/qemu-img'

S = requests.Session()
S.trust_env = False          # loopback only, never a proxy


class Token(object):
    """A project-scoped Keystone token, renewed shortly before it expires."""

    def __init__(self, user, password, project):
        self.user, self.password, self.project = user, password, project
        self._tok = None
        self._renew_at = 0
        self.project_id = self.user_id = None

    def __str__(self):
        if not self._tok or time.time() > self._renew_at:
            body = {'auth': {
                'identity': {'methods': ['password'], 'password': {'user': {
                    'name': self.user, 'domain': {'name': 'Default'},
                    'password': self.password}}},
                'scope': {'project': {'name': self.project,
                                      'domain': {'name': 'Default'}}}}}
            r = S.post(KS + '/auth/tokens', json=body, timeout=60,
                       headers={'Connection': 'close'})
            if r.status_code != 201:
                raise AssertionError('keystone token for %s: %s %s'
                                     % (self.user, r.status_code, r.text[:300]))
            t = r.json()['token']
            self._tok = r.headers['X-Subject-Token']
            self.project_id = t['project']['id']
            self.user_id = t['user']['id']
            life = (time.mktime(time.strptime(t['expires_at'][:19], '%Y-%m-%dT%H:%M:%S'))
                    - time.mktime(time.strptime(t['issued_at'][:19], '%Y-%m-%dT%H:%M:%S')))
            self._renew_at = time.time() + max(5.0, life - 30)
        return self._tok


DEMO = Token(E.get('LAB_DEMO_USERNAME', 'demo'), E.get('LAB_DEMO_PASSWORD', ''), 'demo')
ALT = Token(E.get('LAB_ALT_USERNAME', 'alt'), E.get('LAB_ALT_PASSWORD', ''),
            E.get('LAB_ALT_PROJECT_NAME', 'alt'))
ADMIN = Token(E.get('LAB_ADMIN_USERNAME', 'admin'), E.get('LAB_ADMIN_PASSWORD', ''), 'admin')


def call(method, url, tok=None, headers=None, **kw):
    h = {'Connection': 'close'}
    if tok is not None:
        h['X-Auth-Token'] = str(tok)
    h.update(headers or {})
    return S.request(method, url, headers=h, timeout=120, **kw)


# ---------------------------------------------------------------- cinder
def cinder(method, path, tok=DEMO, mv=None, body=None):
    h = {'OpenStack-API-Version': 'volume ' + mv} if mv else {}
    str(tok)      # fills tok.project_id
    return call(method, '%s/%s%s' % (CINDER, tok.project_id, path), tok, h,
                **({'json': body} if body is not None else {}))


def fault_message(r):
    try:
        doc = r.json()
    except ValueError:
        return r.text
    if isinstance(doc, dict) and len(doc) == 1:
        inner = list(doc.values())[0]
        if isinstance(inner, dict) and 'message' in inner:
            return inner['message']
    return r.text


def wait_volume(vid, want, tok=DEMO, timeout=WAIT):
    """want: a status, or 'gone' (404). Returns the last volume document."""
    deadline = time.time() + timeout
    v = None
    while True:
        r = cinder('GET', '/volumes/' + vid, tok, mv=BYOK_MV)
        if r.status_code == 404:
            if want == 'gone':
                return None
            raise AssertionError('volume %s disappeared' % vid)
        v = r.json()['volume']
        if v['status'] == want:
            return v
        if v['status'].startswith('error') and not want.startswith('error'):
            raise AssertionError('volume %s went to %s' % (vid, v['status']))
        if time.time() > deadline:
            raise AssertionError('volume %s still %s after %.0f s (want %s)'
                                 % (vid, v['status'], timeout, want))
        time.sleep(0.5)


def delete_volume(vid, tok=DEMO):
    r = cinder('DELETE', '/volumes/' + vid, tok)
    if r.status_code not in (202, 404):
        raise AssertionError('DELETE volume %s: %s %s' % (vid, r.status_code, r.text[:300]))
    wait_volume(vid, 'gone', tok)


def delete_volume_quietly(vid, tok=DEMO):
    """cleanup: wait until the volume can be deleted, then delete it"""
    try:
        r = cinder('GET', '/volumes/' + vid, tok)
        if r.status_code == 404:
            return
        if r.json()['volume']['status'] == 'creating':
            wait_volume(vid, 'available', tok)
        delete_volume(vid, tok)
    except Exception as e:     # noqa: a cleanup must not hide the test's own failure
        sys.stderr.write('cleanup of volume %s failed: %s\n' % (vid, e))


def volumes_named(name, tok=DEMO):
    r = cinder('GET', '/volumes?name=' + name, tok)
    assert r.status_code == 200, r.text
    return [v['id'] for v in r.json()['volumes']]


# ---------------------------------------------------------------- barbican
def store_secret(tok, name, payload=None, secret_type='symmetric',
                 content_type='application/octet-stream'):
    body = {'name': name, 'secret_type': secret_type}
    if secret_type == 'symmetric':
        body.update({'algorithm': 'aes', 'bit_length': 256, 'mode': 'xts'})
    if payload is not None:
        if content_type == 'application/octet-stream':
            body.update({'payload': base64.b64encode(payload).decode(),
                         'payload_content_type': content_type,
                         'payload_content_encoding': 'base64'})
        else:
            body.update({'payload': payload, 'payload_content_type': content_type})
    r = call('POST', BARBICAN + '/v1/secrets', tok, json=body)
    if r.status_code != 201:
        raise AssertionError('store secret: %s %s' % (r.status_code, r.text[:300]))
    return r.json()['secret_ref'].rsplit('/', 1)[1]


def secret_status(tok, sid):
    return call('GET', '%s/v1/secrets/%s' % (BARBICAN, sid), tok,
                {'Accept': 'application/json'}).status_code


def secret_meta(tok, sid):
    r = call('GET', '%s/v1/secrets/%s' % (BARBICAN, sid), tok, {'Accept': 'application/json'})
    assert r.status_code == 200, (sid, r.status_code, r.text[:300])
    return r.json()


def secret_payload(tok, sid):
    r = call('GET', '%s/v1/secrets/%s/payload' % (BARBICAN, sid), tok,
             {'Accept': 'application/octet-stream'})
    assert r.status_code == 200, (sid, r.status_code, r.text[:300])
    return r.content


def secrets_named(tok, name):
    r = call('GET', BARBICAN + '/v1/secrets', tok, params={'name': name, 'limit': 100})
    assert r.status_code == 200, r.text[:300]
    return sorted(s['secret_ref'].rsplit('/', 1)[1] for s in r.json()['secrets'])


def delete_secret_quietly(tok, sid):
    try:
        call('DELETE', '%s/v1/secrets/%s' % (BARBICAN, sid), tok)
    except Exception as e:     # noqa
        sys.stderr.write('cleanup of secret %s failed: %s\n' % (sid, e))


# ---------------------------------------------------------------- qemu-img
class Passphrase(object):
    """The hex passphrase in a 0600 file inside a private 0700 temp dir (never argv)."""

    def __init__(self, key_bytes):
        self.hex = binascii.hexlify(key_bytes).decode()      # lowercase, no newline
        self.dir = None

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix='cinder-byok-it.')   # mode 0700
        self.path = os.path.join(self.dir, 'passphrase')
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(self.hex)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def qemu_img(*args):
    p = subprocess.run([QEMU_IMG] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def open_luks_volume(path, key_bytes):
    """Decrypt the whole qcow2+LUKS volume with hex(key_bytes) -> (rc, stderr)."""
    with Passphrase(key_bytes) as pp:
        out = os.path.join(pp.dir, 'plain.raw')
        rc, _, err = qemu_img(
            'convert', '--object', 'secret,id=sec0,format=raw,file=' + pp.path,
            '--image-opts', 'driver=qcow2,file.filename=%s,encrypt.key-secret=sec0' % path,
            '-O', 'raw', out)
        return rc, err


# ---------------------------------------------------------------- helpers for tests
def new_key_bytes():
    return os.urandom(32)


def byok_body(name, key_id, **extra):
    vol = {'size': 1, 'name': name, 'volume_type': ENC_TYPE, 'encryption_key_id': key_id}
    vol.update(extra)
    return {'volume': vol}


class LabTestCase(unittest.TestCase):
    maxDiff = None

    def user_key(self, tok=DEMO, name=None, payload=None):
        """a fresh symmetric binary key of tok's project, deleted after the test"""
        name = name or 'byok-it-%s-%s' % (RUN_ID, uuid.uuid4().hex[:8])
        payload = payload if payload is not None else new_key_bytes()
        sid = store_secret(tok, name, payload)
        self.addCleanup(delete_secret_quietly, tok, sid)
        return sid, name, payload

    def assertFault(self, r, status, fault, *fragments):
        self.assertEqual(status, r.status_code, r.text[:500])
        doc = r.json()
        self.assertIn(fault, doc, r.text[:500])
        for frag in fragments:
            self.assertIn(frag, doc[fault]['message'])

    def assertNoVolumeNamed(self, name):
        self.assertEqual([], volumes_named(name))


# ================================================================ the tests
class T00VersionDocument(unittest.TestCase):
    def test_max_microversion_is_371(self):
        r = call('GET', CINDER_ROOT + '/')
        self.assertIn(r.status_code, (200, 300), r.text[:300])
        v3 = [v for v in r.json()['versions'] if v['id'] == 'v3.0']
        self.assertEqual(1, len(v3), r.text[:500])
        self.assertEqual(BYOK_MV, v3[0]['version'])
        self.assertEqual('3.0', v3[0]['min_version'])

    def test_372_is_not_acceptable(self):
        r = cinder('GET', '/volumes', mv='3.72')
        self.assertEqual(406, r.status_code, r.text[:300])


class T10CreateWithUserKey(LabTestCase):
    """POST /volumes at 3.71 with the user's key, the LUKS proof, then delete."""

    @classmethod
    def setUpClass(cls):
        cls.name = 'byok-it-%s-main' % RUN_ID
        cls.payload = new_key_bytes()
        cls.key_id = store_secret(DEMO, cls.name, cls.payload)
        cls.resp = cinder('POST', '/volumes', mv=BYOK_MV,
                          body=byok_body(cls.name, cls.key_id))
        cls.vid = cls.resp.json().get('volume', {}).get('id') \
            if cls.resp.status_code == 202 else None
        cls.volume = None
        cls.clone_id = None

    @classmethod
    def tearDownClass(cls):
        if cls.vid:
            delete_volume_quietly(cls.vid)
        delete_secret_quietly(DEMO, cls.key_id)

    def need_volume(self):
        if not self.vid:
            self.fail('the volume was not created: %s %s'
                      % (self.resp.status_code, self.resp.text[:300]))
        if T10CreateWithUserKey.volume is None:
            T10CreateWithUserKey.volume = wait_volume(self.vid, 'available')
        return T10CreateWithUserKey.volume

    def need_clone(self):
        self.need_volume()
        if T10CreateWithUserKey.clone_id is None:
            r = cinder('GET', '/volumes/%s/encryption' % self.vid)
            self.assertEqual(200, r.status_code, r.text[:300])
            T10CreateWithUserKey.clone_id = r.json()['encryption_key_id']
        return T10CreateWithUserKey.clone_id

    def test_01_accepted_202(self):
        self.assertEqual(202, self.resp.status_code, self.resp.text[:500])
        self.assertEqual('creating', self.resp.json()['volume']['status'])

    def test_02_available(self):
        v = self.need_volume()
        self.assertEqual('available', v['status'])
        self.assertTrue(v['encrypted'])

    def test_03_volume_key_is_a_clone(self):
        clone_id = self.need_clone()
        self.assertTrue(clone_id)
        self.assertNotEqual(self.key_id, clone_id)
        # >= 3.64 the volume shows the same (clone's) id
        self.assertEqual(clone_id, self.need_volume()['encryption_key_id'])
        r = cinder('GET', '/volumes/%s/encryption' % self.vid)
        enc = r.json()
        self.assertEqual(('luks', 'front-end'), (enc['provider'], enc['control_location']))

    def test_04_payloads_byte_equal(self):
        clone_id = self.need_clone()
        self.assertEqual(self.payload, secret_payload(DEMO, self.key_id))
        self.assertEqual(self.payload, secret_payload(DEMO, clone_id))

    def test_05_clone_is_a_symmetric_secret_of_the_user(self):
        meta = secret_meta(DEMO, self.need_clone())
        self.assertEqual('symmetric', meta['secret_type'])
        self.assertEqual(DEMO.user_id, meta['creator_id'])
        self.assertEqual(2, len(secrets_named(DEMO, self.name)))   # the key and its clone

    def test_06_luks_file_opens_with_users_key(self):
        if BACKEND != 'nfs':
            self.skipTest('LAB_CINDER_BACKEND=%s writes no volume file' % BACKEND)
        self.need_volume()
        path = os.path.join(VOLUME_DIR, 'volume-' + self.vid)
        self.assertTrue(os.path.isfile(path), path)
        rc, out, err = qemu_img('info', '--output=json', '-U', path)
        self.assertEqual(0, rc, err)
        info = json.loads(out)
        self.assertEqual('qcow2', info['format'])
        self.assertTrue(info.get('encrypted'))
        self.assertEqual('luks', info['format-specific']['data']['encrypt']['format'])
        rc, err = open_luks_volume(path, self.payload)
        self.assertEqual(0, rc, 'the user key does not open %s: %s' % (path, err))

    def test_07_luks_file_rejects_other_keys(self):
        if BACKEND != 'nfs':
            self.skipTest('LAB_CINDER_BACKEND=%s writes no volume file' % BACKEND)
        self.need_volume()
        path = os.path.join(VOLUME_DIR, 'volume-' + self.vid)
        for other in (new_key_bytes(), self.payload[:-1] + bytes([self.payload[-1] ^ 1])):
            rc, err = open_luks_volume(path, other)
            self.assertNotEqual(0, rc, 'a wrong key opened %s' % path)
            self.assertIn('Invalid password', err)

    def test_08_delete_removes_clone_keeps_user_key(self):
        clone_id = self.need_clone()
        delete_volume(self.vid)
        T10CreateWithUserKey.vid = None
        self.assertEqual(404, secret_status(DEMO, clone_id))
        self.assertEqual(200, secret_status(DEMO, self.key_id))
        self.assertEqual(self.payload, secret_payload(DEMO, self.key_id))
        self.assertEqual([self.key_id], secrets_named(DEMO, self.name))


class T20Rejected(LabTestCase):
    """Requests at 3.71 that must fail without creating a volume or a key."""

    def post(self, body, tok=DEMO):
        r = cinder('POST', '/volumes', tok, mv=BYOK_MV, body=body)
        if r.status_code == 202:
            self.addCleanup(delete_volume_quietly, r.json()['volume']['id'], tok)
        return r

    def test_conflict_snapshot_source_backup_409(self):
        key_id, name, _ = self.user_key()
        plain = 'byok-it-%s-plain' % RUN_ID
        r = cinder('POST', '/volumes', body={'volume': {'size': 1, 'name': plain}})
        self.assertEqual(202, r.status_code, r.text[:300])
        vid = r.json()['volume']['id']
        self.addCleanup(delete_volume_quietly, vid)
        wait_volume(vid, 'available')
        r = cinder('POST', '/snapshots', body={'snapshot': {'volume_id': vid, 'name': plain}})
        self.assertEqual(202, r.status_code, r.text[:300])
        sid = r.json()['snapshot']['id']

        def delete_snapshot():
            cinder('DELETE', '/snapshots/' + sid)
            for _ in range(240):
                if cinder('GET', '/snapshots/' + sid).status_code == 404:
                    return
                time.sleep(0.5)
        self.addCleanup(delete_snapshot)
        for _ in range(int(WAIT * 2)):
            st = cinder('GET', '/snapshots/' + sid).json()['snapshot']['status']
            if st in ('available', 'error'):
                break
            time.sleep(0.5)
        self.assertEqual('available', st)

        for field, value in (('snapshot_id', sid), ('source_volid', vid),
                             ('backup_id', str(uuid.uuid4()))):
            with self.subTest(field=field):
                vname = 'byok-it-%s-conflict-%s' % (RUN_ID, field)
                r = self.post(byok_body(vname, key_id, **{field: value}))
                self.assertFault(r, 409, 'conflictingRequest', field)
                self.assertNoVolumeNamed(vname)
        self.assertEqual([key_id], secrets_named(DEMO, name))

    def test_plain_volume_type_400(self):
        key_id, name, _ = self.user_key()
        for vtype in (None, '__DEFAULT__'):
            with self.subTest(volume_type=vtype):
                vname = 'byok-it-%s-plain-type' % RUN_ID
                body = byok_body(vname, key_id)
                if vtype is None:
                    del body['volume']['volume_type']
                else:
                    body['volume']['volume_type'] = vtype
                r = self.post(body)
                self.assertFault(r, 400, 'badRequest', 'not encrypted')
                self.assertNoVolumeNamed(vname)
        self.assertEqual([key_id], secrets_named(DEMO, name))

    def test_missing_key_404(self):
        missing = str(uuid.uuid4())
        vname = 'byok-it-%s-missing' % RUN_ID
        r = self.post(byok_body(vname, missing))
        self.assertFault(r, 404, 'itemNotFound', missing)
        self.assertNoVolumeNamed(vname)

    def test_other_projects_key_403(self):
        alt_key, name, payload = self.user_key(tok=ALT)
        vname = 'byok-it-%s-alt-key' % RUN_ID
        r = self.post(byok_body(vname, alt_key))
        self.assertFault(r, 403, 'forbidden', alt_key)
        self.assertNoVolumeNamed(vname)
        self.assertEqual([], secrets_named(DEMO, name))          # no clone in demo
        self.assertEqual([alt_key], secrets_named(ALT, name))    # alt's key untouched
        self.assertEqual(payload, secret_payload(ALT, alt_key))

    def test_not_a_symmetric_key_400(self):
        name = 'byok-it-%s-passphrase' % RUN_ID
        sid = store_secret(DEMO, name, new_key_bytes(), secret_type='passphrase')
        self.addCleanup(delete_secret_quietly, DEMO, sid)
        r = self.post(byok_body(name, sid))
        self.assertFault(r, 400, 'badRequest', 'not a symmetric key')
        self.assertEqual([sid], secrets_named(DEMO, name))

    def test_text_payload_400(self):
        name = 'byok-it-%s-text' % RUN_ID
        sid = store_secret(DEMO, name, 'not-binary-key-material-0123456789',
                           content_type='text/plain')
        self.addCleanup(delete_secret_quietly, DEMO, sid)
        r = self.post(byok_body(name, sid))
        self.assertFault(r, 400, 'badRequest', 'no binary payload')
        self.assertEqual([sid], secrets_named(DEMO, name))

    def test_secret_without_payload_400(self):
        name = 'byok-it-%s-nopayload' % RUN_ID
        sid = store_secret(DEMO, name, None)
        self.addCleanup(delete_secret_quietly, DEMO, sid)
        r = self.post(byok_body(name, sid))
        self.assertFault(r, 400, 'badRequest', 'no binary payload')
        self.assertEqual([sid], secrets_named(DEMO, name))

    def test_not_a_uuid_400(self):
        vname = 'byok-it-%s-baduuid' % RUN_ID
        r = self.post(byok_body(vname, 'not-a-uuid'))
        self.assertFault(r, 400, 'badRequest', 'encryption_key_id')
        self.assertNoVolumeNamed(vname)

    def test_over_quota_rolls_back_the_clone_413(self):
        # The key is cloned before the quota is reserved: the revert must delete it.
        key_id, name, _ = self.user_key()
        vname = 'byok-it-%s-quota' % RUN_ID
        body = byok_body(vname, key_id)
        body['volume']['size'] = 1000000
        r = self.post(body)
        self.assertEqual(413, r.status_code, r.text[:300])
        self.assertNoVolumeNamed(vname)
        self.assertEqual([key_id], secrets_named(DEMO, name))

    def test_policy_reader_403(self):
        # volume:create_with_encryption_key defaults to project member (or admin)
        uname = 'byok-it-reader'
        password = uuid.uuid4().hex
        admin_h = {'Content-Type': 'application/json'}
        r = call('GET', KS + '/users', ADMIN, params={'name': uname})
        users = r.json()['users']
        if users:
            uid = users[0]['id']
            call('PATCH', KS + '/users/' + uid, ADMIN, admin_h,
                 json={'user': {'password': password}})
        else:
            uid = call('POST', KS + '/users', ADMIN, admin_h, json={'user': {
                'name': uname, 'password': password, 'domain_id': 'default',
                'enabled': True}}).json()['user']['id']
        self.addCleanup(call, 'DELETE', KS + '/users/' + uid, ADMIN)
        roles = call('GET', KS + '/roles', ADMIN, params={'name': 'reader'}).json()['roles']
        str(DEMO)
        r = call('PUT', '%s/projects/%s/users/%s/roles/%s'
                 % (KS, DEMO.project_id, uid, roles[0]['id']), ADMIN)
        self.assertIn(r.status_code, (200, 204), r.text[:300])
        reader = Token(uname, password, 'demo')
        key_id, name, _ = self.user_key()
        vname = 'byok-it-%s-reader' % RUN_ID
        r = self.post(byok_body(vname, key_id), tok=reader)
        self.assertFault(r, 403, 'forbidden', 'volume:create_with_encryption_key')
        self.assertNoVolumeNamed(vname)
        self.assertEqual([key_id], secrets_named(DEMO, name))


class T30OlderMicroversionsUnchanged(LabTestCase):
    """Below 3.71 nothing changed: ignored below 3.53, 400 from 3.53 to 3.70."""

    def test_ignored_below_353(self):
        key_id, name, payload = self.user_key()
        for mv in (None, '3.52'):
            with self.subTest(microversion=mv or 'none (3.0)'):
                vname = 'byok-it-%s-ignored-%s' % (RUN_ID, mv or 'none')
                r = cinder('POST', '/volumes', mv=mv, body=byok_body(vname, key_id))
                self.assertEqual(202, r.status_code, r.text[:300])
                vid = r.json()['volume']['id']
                self.addCleanup(delete_volume_quietly, vid)
                wait_volume(vid, 'available')
                enc = cinder('GET', '/volumes/%s/encryption' % vid).json()
                kid = enc['encryption_key_id']
                self.assertTrue(kid)
                self.assertNotEqual(key_id, kid)
                # a key Cinder generated, not a copy of the user's
                self.assertNotEqual(payload, secret_payload(DEMO, kid))
                delete_volume(vid)
                self.assertEqual(404, secret_status(DEMO, kid))
        self.assertEqual([key_id], secrets_named(DEMO, name))
        self.assertEqual(payload, secret_payload(DEMO, key_id))

    def test_rejected_from_353_to_370(self):
        key_id, name, _ = self.user_key()
        for mv in ('3.53', '3.64', '3.70'):
            with self.subTest(microversion=mv):
                vname = 'byok-it-%s-rejected-%s' % (RUN_ID, mv)
                r = cinder('POST', '/volumes', mv=mv, body=byok_body(vname, key_id))
                self.assertFault(r, 400, 'badRequest', 'Additional properties are not allowed',
                                 "'encryption_key_id' was unexpected")
                self.assertNoVolumeNamed(vname)
        self.assertEqual([key_id], secrets_named(DEMO, name))

    def test_null_key_at_371_is_a_normal_create(self):
        vname = 'byok-it-%s-null' % RUN_ID
        r = cinder('POST', '/volumes', mv=BYOK_MV, body=byok_body(vname, None))
        self.assertEqual(202, r.status_code, r.text[:300])
        vid = r.json()['volume']['id']
        self.addCleanup(delete_volume_quietly, vid)
        v = wait_volume(vid, 'available')
        self.assertTrue(v['encrypted'])
        delete_volume(vid)
        self.assertEqual(404, secret_status(DEMO, v['encryption_key_id']))


# ---------------------------------------------------------------- runner
def _test_id(test):
    return getattr(test, 'test_case', test).id()     # a subTest counts for its test


def main(argv):
    missing = [k for k in ('LAB_KEYSTONE_URL', 'LAB_BARBICAN_URL', 'LAB_CINDER_URL',
                           'LAB_DEMO_PASSWORD', 'LAB_ALT_PASSWORD', 'LAB_ADMIN_PASSWORD',
                           'LAB_VOLUME_DIR') if not E.get(k)]
    if missing:
        sys.stderr.write('lab environment incomplete (missing %s): source STATE_DIR/env.sh\n'
                         % ', '.join(missing))
        return 2
    # Fail fast and clearly when the lab's Cinder does not run the patch.
    try:
        r = call('GET', CINDER_ROOT + '/')
        v3 = [v for v in r.json()['versions'] if v['id'] == 'v3.0'][0]
    except Exception as e:     # noqa
        sys.stderr.write('cinder at %s does not answer: %s\n' % (CINDER_ROOT, e))
        print('cinder-byok: 0 passed, 1 failed')
        return 1
    if v3['version'] != BYOK_MV:
        sys.stderr.write(
            'cinder at %s reports max microversion %s, not %s: the BYOK patch is not loaded.\n'
            'Start the lab with CINDER_BYOK=1 tests/lab/up.sh STATE_DIR (same LAB_* knobs)\n'
            % (CINDER_ROOT, v3['version'], BYOK_MV))
        print('cinder-byok: 0 passed, 1 failed')
        return 1
    if BACKEND == 'nfs' and os.geteuid() != 0:
        sys.stderr.write('note: the LUKS file checks read %s: run as root\n' % VOLUME_DIR)

    loader = unittest.TestLoader()
    names = argv[1:]
    if names:
        suite = loader.loadTestsFromNames(names, sys.modules[__name__])
    else:
        suite = loader.loadTestsFromModule(sys.modules[__name__])
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stderr)
    t0 = time.time()
    res = runner.run(suite)
    failed = len({_test_id(t) for t, _ in res.failures + res.errors}
                 | {_test_id(t) for t in res.unexpectedSuccesses})
    skipped = len({_test_id(t) for t, _ in res.skipped}
                  - {_test_id(t) for t, _ in res.failures + res.errors})
    passed = res.testsRun - failed - skipped
    sys.stderr.write('ran %d tests in %.1f s against %s\n'
                     % (res.testsRun, time.time() - t0, CINDER_ROOT))
    print('cinder-byok: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 0 if res.wasSuccessful() and res.testsRun else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
