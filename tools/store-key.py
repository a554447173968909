#!/usr/bin/env python3
"""Stores a new random 256-bit AES key in Barbican as the tenant and prints its UUID.

The key is what a tenant brings: symmetric, AES, 256 bits, application/octet-stream. It is
generated here from os.urandom and sent straight to Barbican: it never appears in argv, the
environment or a file. Credentials come from the standard OS_* variables (password auth), as
exported by tests/lab/up.sh.

    tools/store-key.py [--name NAME]
"""
import argparse
import base64
import json
import os
import sys
import urllib.request


def post(url, body, headers):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    return urllib.request.urlopen(request, timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="byok-demo-key")
    args = parser.parse_args()
    env = os.environ
    auth = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": env["OS_USERNAME"], "password": env["OS_PASSWORD"],
            "domain": {"name": env.get("OS_USER_DOMAIN_NAME", "Default")}}}},
        "scope": {"project": {"name": env["OS_PROJECT_NAME"],
                              "domain": {"name": env.get("OS_PROJECT_DOMAIN_NAME", "Default")}}}}}
    auth_url = env["OS_AUTH_URL"].rstrip("/")
    with post(auth_url + "/auth/tokens", auth, {}) as response:
        token = response.headers["X-Subject-Token"]
        catalog = json.load(response)["token"]["catalog"]
    barbican = next(e["url"] for s in catalog if s["type"] == "key-manager"
                    for e in s["endpoints"] if e["interface"] == "public")
    key = os.urandom(32)
    secret = {"name": args.name, "secret_type": "symmetric", "algorithm": "aes",
              "bit_length": 256, "mode": "xts",
              "payload": base64.b64encode(key).decode(),
              "payload_content_type": "application/octet-stream",
              "payload_content_encoding": "base64"}
    with post(barbican.rstrip("/") + "/v1/secrets", secret, {"X-Auth-Token": token}) as response:
        ref = json.load(response)["secret_ref"]
    print(ref.rstrip("/").rsplit("/", 1)[-1])


if __name__ == "__main__":
    sys.exit(main())
