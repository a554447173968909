#!/usr/bin/env python3
"""Creates or deletes an application credential of the lab's alt user (tests/lab), for the
tenant-boundary lab test: `appcred.py create NAME` prints {"id": ..., "secret": ...} as JSON;
`appcred.py delete ID`. Reads LAB_KEYSTONE_URL, LAB_ALT_USER_ID, LAB_ALT_PASSWORD and
LAB_ALT_PROJECT_ID from the environment (never from argv)."""
import json
import os
import sys
import urllib.request

KS = os.environ['LAB_KEYSTONE_URL'].rstrip('/')


def call(method, path, body=None, token=None):
    req = urllib.request.Request(KS + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={'Content-Type': 'application/json'})
    if token:
        req.add_header('X-Auth-Token', token)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.headers.get('X-Subject-Token'), resp.read()


def alt_token():
    token, _ = call('POST', '/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'id': os.environ['LAB_ALT_USER_ID'], 'password': os.environ['LAB_ALT_PASSWORD']}}},
        'scope': {'project': {'id': os.environ['LAB_ALT_PROJECT_ID']}}}})
    return token


def main():
    user = os.environ['LAB_ALT_USER_ID']
    token = alt_token()
    if sys.argv[1] == 'create':
        _, body = call('POST', '/users/%s/application_credentials' % user,
                       {'application_credential': {'name': sys.argv[2]}}, token)
        ac = json.loads(body)['application_credential']
        print(json.dumps({'id': ac['id'], 'secret': ac['secret']}))
    elif sys.argv[1] == 'delete':
        call('DELETE', '/users/%s/application_credentials/%s' % (user, sys.argv[2]), None, token)


if __name__ == '__main__':
    main()
