"""Probe of privacyIDEA's smartphone containers: a Python client, and transcripts.

Starts a throwaway privacyIDEA 3.14 on 127.0.0.1 (harness.Server), sets up the
policies a smartphone container needs, creates a container with TOTP, HOTP and
push tokens for a user, and then acts as the phone: registration (finalize),
challenge, synchronize (decrypting the server's answer), push enrolment of the
token the answer carries, admin- and client-initiated rollover, and unregister
from the client, plus the error answers a client meets. Every exchange is
recorded and written as JSON into --out (see fixtures/privacyidea/containers/).

`ContainerClient` is the phone side and is meant for reuse by later tests.

This module is not a test module: run.py imports its test modules by name and
this one is not among them (its EXPECTED_TESTS stay as they are).

    VAKT_PI_VENV=/path/to/pi-venv \
        /path/to/pi-venv/bin/python tests/privacyidea/containers_probe.py \
        --out fixtures/privacyidea/containers [--work DIR]

It needs the venv's Python (it imports `cryptography`). Exit status 0 when
every step behaved as expected, 1 otherwise (the transcripts are written in
both cases).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

DEVICE_BRAND = "VaktProbe"
DEVICE_MODEL = "1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


class Recorder:
    """Sends form POSTs and GETs, and keeps every exchange for the transcripts."""

    def __init__(self, base: str):
        self.base = base
        self.flows: dict[str, list] = {}
        self.flow = "misc"
        self.admin_token: str | None = None

    def call(self, method: str, path: str, params: dict | None = None, admin: bool = False,
             note: str = "") -> tuple[int, dict]:
        url = self.base + path
        data = None
        if method == "GET" and params:
            url += "?" + urllib.parse.urlencode(params)
        elif params is not None:
            data = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if admin and self.admin_token:
            req.add_header("Authorization", self.admin_token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, body = r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            status, body = e.code, json.loads(e.read())
        self.flows.setdefault(self.flow, []).append({
            "note": note, "request": {"method": method, "path": path,
                                      "authorization": "<admin JWT>" if admin else None,
                                      "params": params or {}},
            "response": {"status": status, "body": _shorten(body)}})
        return status, body

    def ok(self, method: str, path: str, params: dict | None = None, admin: bool = False,
           note: str = "") -> dict:
        status, body = self.call(method, path, params, admin, note)
        if status != 200 or not body.get("result", {}).get("status"):
            raise AssertionError(f"{method} {path}: {status} {body.get('result')}")
        return body

    def fail(self, method: str, path: str, params: dict | None, note: str) -> tuple[int, dict]:
        status, body = self.call(method, path, params, note=note)
        if body.get("result", {}).get("status") is not False:
            raise AssertionError(f"{method} {path} was expected to fail: {status} {body}")
        return status, body["result"]["error"]


def _shorten(body):
    """Replaces the QR PNGs (renderings of `value`) and the response signatures by placeholders."""
    if isinstance(body, dict):
        placeholders = {"img": "<data:image/png;base64,… QR of value>",
                        "signature": "<rsa_sha256_pss:… response signature>"}
        return {k: placeholders[k] if _is_placeholder(k, v) else _shorten(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_shorten(v) for v in body]
    return body


def _is_placeholder(key, value) -> bool:
    if not isinstance(value, str):
        return False
    return key == "img" or (key == "signature" and value.startswith("rsa_sha256_pss:"))


def endpoint_url(base: str, endpoint: str) -> str:
    """The scope of a container operation: the server URL the phone was given, '/', the endpoint."""
    if endpoint in base:
        return base
    return base + ("" if base.endswith("/") else "/") + endpoint


def parse_container_uri(uri: str) -> dict:
    parsed = urllib.parse.urlsplit(uri)
    assert parsed.scheme == "pia" and parsed.netloc == "container", uri
    query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
    query["label"] = urllib.parse.unquote(parsed.path.lstrip("/"))
    return query


class ContainerClient:
    """The phone side of a smartphone container, as privacyIDEA 3.14 expects it."""

    def __init__(self, rec: Recorder, uri: str, brand: str | None = DEVICE_BRAND,
                 model: str | None = DEVICE_MODEL):
        self.rec = rec
        self.qr = parse_container_uri(uri)
        self.serial = self.qr["serial"]
        self.server_url = self.qr["url"]
        self.brand = brand
        self.model = model
        self.key = ec.generate_private_key(ec.SECP384R1())
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.tokens: dict[str, dict] = {}  # serial -> {"type", "url"}
        self.last_sync_plain: dict | None = None
        self.enc_key_private: X25519PrivateKey | None = None
        self.last_message = ""

    def sign(self, message: str) -> str:
        return b64url(self.key.sign(message.encode(), ec.ECDSA(hashes.SHA256())))

    def _device_parts(self) -> list[str]:
        return [p for p in (self.brand, self.model) if p]

    def finalize_message(self, passphrase: str = "", with_key: bool = False) -> str:
        scope = endpoint_url(self.server_url, "container/register/finalize")
        parts = [self.qr["nonce"], self.qr["time"], self.serial, scope, *self._device_parts()]
        if passphrase:
            parts.append(passphrase)
        if with_key:
            parts.append(self.public_pem)
        return "|".join(parts)

    def finalize_params(self, passphrase: str = "", with_key: bool = False) -> dict:
        params = {"container_serial": self.serial, "public_client_key": self.public_pem,
                  "signature": self.sign(self.finalize_message(passphrase, with_key))}
        if self.brand:
            params["device_brand"] = self.brand
        if self.model:
            params["device_model"] = self.model
        if passphrase:
            params["passphrase"] = passphrase
        return params

    def finalize(self, passphrase: str = "") -> dict:
        return self.rec.ok("POST", "/container/register/finalize", self.finalize_params(passphrase),
                           note="finalize: signed nonce|time|serial|scope|brand|model[|passphrase]")

    def challenge(self, endpoint: str, note: str = "") -> dict:
        scope = endpoint_url(self.server_url, endpoint)
        return self.rec.ok("POST", "/container/challenge",
                           {"container_serial": self.serial, "scope": scope},
                           note=note or f"challenge for {endpoint}")["result"]["value"]

    def signed_params(self, endpoint: str, extra: list[str] | None = None,
                      challenge: dict | None = None) -> dict:
        ch = challenge or self.challenge(endpoint)
        scope = endpoint_url(self.server_url, endpoint)
        message = "|".join([ch["nonce"], ch["time_stamp"], self.serial, scope, *(extra or [])])
        self.last_message = message
        return {"container_serial": self.serial, "signature": self.sign(message)}

    def client_dict(self) -> str:
        tokens = [{"serial": s, "tokentype": t["type"]} for s, t in sorted(self.tokens.items())]
        return json.dumps({"serial": self.serial, "type": "smartphone", "tokens": tokens})

    def sync_request(self, include_device: bool = False) -> dict:
        ch = self.challenge("container/synchronize")
        self.enc_key_private = X25519PrivateKey.generate()
        enc_pub = b64url(self.enc_key_private.public_key().public_bytes_raw())
        container = self.client_dict()
        extra = (self._device_parts() if include_device else []) + [enc_pub, container]
        params = self.signed_params("container/synchronize", extra, challenge=ch)
        params.update({"public_enc_key_client": enc_pub, "container_dict_client": container})
        if include_device:
            params.update({"device_brand": self.brand, "device_model": self.model})
        return params

    def decrypt(self, value: dict) -> dict:
        server_pub = X25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(value["public_server_key"]))
        key = self.enc_key_private.exchange(server_pub)  # the raw X25519 output is the AES key
        enc = value["encryption_params"]
        assert value["encryption_algorithm"] == "AES" and enc["mode"] == "GCM", value
        iv = base64.urlsafe_b64decode(enc["init_vector"])
        tag = base64.urlsafe_b64decode(enc["tag"])
        cipher = base64.urlsafe_b64decode(value["container_dict_server"])
        return json.loads(AESGCM(key).decrypt(iv, cipher + tag, None))

    def synchronize(self, note: str = "synchronize") -> dict:
        value = self.rec.ok("POST", "/container/synchronize", self.sync_request(), note=note)["result"]["value"]
        plain = self.decrypt(value)
        self.last_sync_plain = plain
        self.rec.flows[self.rec.flow][-1]["decrypted_container_dict_server"] = plain
        return {"value": value, "plain": plain}

    def apply(self, plain: dict) -> list[str]:
        """Takes the tokens of a sync answer in; returns the serials added."""
        added = []
        for url in plain["tokens"]["add"]:
            parsed = urllib.parse.urlsplit(url)
            q = dict(urllib.parse.parse_qsl(parsed.query))
            ttype = "push" if parsed.netloc == "pipush" else parsed.netloc
            self.tokens[q["serial"]] = {"type": ttype, "url": url, "query": q}
            added.append(q["serial"])
        return added


def totp_now(secret_b32: str, digits: int = 6, period: int = 30, offset: int = 0) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int(time.time()) // period + offset
    return hotp(key, counter, digits)


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


def push_enrol(rec: Recorder, token: dict) -> rsa.RSAPrivateKey:
    """Second step of push enrolment for a pipush URL a sync answer carried."""
    q = token["query"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    path = urllib.parse.urlsplit(q["url"]).path
    rec.ok("POST", path, {"enrollment_credential": q["enrollment_credential"], "serial": q["serial"],
                          "fbtoken": "vakt-probe-poll", "pubkey": b64url(pub)},
           note="push enrolment step 2 for the pipush URL of the sync answer")
    return key


def push_poll(rec: Recorder, serial: str, key: rsa.RSAPrivateKey, note: str) -> tuple[int, dict]:
    from cryptography.hazmat.primitives.asymmetric import padding
    ts = datetime.datetime.now(datetime.timezone.utc).isoformat()
    sig = key.sign(f"{serial}|{ts}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return rec.call("GET", "/ttype/push", {"serial": serial, "timestamp": ts,
                                           "signature": base64.b32encode(sig).decode()}, note=note)


class Probe:
    def __init__(self, rec: Recorder, api: harness.Api, server: harness.Server):
        self.rec = rec
        self.api = api
        self.server = server
        self.results: list[tuple[str, bool, str]] = []
        self.vectors: dict = {}
        self.seeds: dict[str, str] = {}

    def expect(self, name: str, condition: bool, detail: str = "") -> None:
        self.results.append((name, bool(condition), detail))
        print(("ok     " if condition else "FAILED ") + name + (f": {detail}" if detail and not condition else ""),
              flush=True)

    def validate(self, user: str, otp: str) -> bool:
        r = self.rec.call("POST", "/validate/check", {"user": user, "realm": harness.REALM, "pass": otp},
                          note=f"/validate/check {user}")[1]
        return bool(r["result"].get("value"))

    def policies(self) -> None:
        self.rec.flow = "setup"
        url = self.server.url
        self.api.policy("vakt-container", "container",
                        f"privacyIDEA_server_url={url}, container_registration_ttl=10, "
                        "container_challenge_ttl=2, container_client_rollover=1, "
                        "disable_client_token_deletion=1, disable_client_container_unregister=1")
        self.api.policy("vakt-push-enrol", "enrollment",
                        f"push_firebase_configuration=poll only, push_registration_url={url}/ttype/push, "
                        "push_ssl_verify=0, push_ttl=10")

    def make_container(self, user: str, tokens: list[str]) -> tuple[str, dict]:
        r = self.rec.ok("POST", "/container/init", {"type": "smartphone", "user": user, "realm": harness.REALM,
                                                     "description": "probe"}, admin=True,
                        note="admin creates a smartphone container for the user")
        serial = r["result"]["value"]["container_serial"]
        secrets = {}
        for ttype in tokens:
            params = {"type": ttype, "user": user, "realm": harness.REALM, "genkey": "1",
                      "container_serial": serial}
            t = self.rec.ok("POST", "/token/init", params, admin=True,
                            note=f"admin enrols a {ttype} token into the container")
            secrets[t["detail"]["serial"]] = ttype
            if "otpkey" in t["detail"]:
                self.seeds[t["detail"]["serial"]] = t["detail"]["otpkey"]["value_b32"]
        return serial, secrets

    def initialize(self, serial: str, note: str, **extra) -> str:
        r = self.rec.ok("POST", "/container/register/initialize", {"container_serial": serial, **extra},
                        admin=True, note=note)
        return r["result"]["value"]["container_url"]["value"]

    def run(self) -> None:
        rec = self.rec
        self.policies()

        # --- registration -------------------------------------------------------
        rec.flow = "registration"
        user = "alice"
        serial, server_tokens = self.make_container(user, ["totp", "hotp", "push"])
        uri = self.initialize(serial, "admin: register/initialize (QR)")
        a = ContainerClient(rec, uri)
        self.vectors["registration"] = {"uri": uri, "qr_fields": a.qr}
        self.expect("URI names the container and the server", a.serial == serial and a.server_url == self.server.url)
        # the public key is in the docstring's message, not in what the server verifies
        status, err = rec.fail("POST", "/container/register/finalize", a.finalize_params(with_key=True),
                               "finalize signed with the PEM key appended (as the docstring says)")
        self.expect("finalize with the key in the message is refused", err["code"] == 3002, str(err))
        fin = a.finalize()
        self.expect("finalize accepted", fin["result"]["value"]["success"] is True)
        self.vectors["registration"].update({
            "client_private_key_pkcs8_pem": a.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()).decode(),
            "client_public_key_pem": a.public_pem, "signed_message": a.finalize_message(),
            "signature": rec.flows["registration"][-1]["request"]["params"]["signature"]})
        status, err = rec.fail("POST", "/container/register/finalize", a.finalize_params(),
                               "finalize again on a registered container")
        self.expect("second finalize refused", err["code"] == 3000, str(err))

        # --- synchronize ---------------------------------------------------------
        rec.flow = "synchronize"
        s1 = a.synchronize("first synchronize: the client has no tokens")
        added = a.apply(s1["plain"])
        self.expect("first sync adds every token", sorted(added) == sorted(server_tokens), str(added))
        self.vectors["synchronize"] = {
            "client_x25519_private_raw_b64url": b64url(a.enc_key_private.private_bytes_raw()),
            "signed_message": a.last_message,
            "request": rec.flows["synchronize"][-1]["request"]["params"],
            "response_value": s1["value"], "decrypted": s1["plain"]}
        for s, t in a.tokens.items():
            if t["type"] == "totp":
                self.expect("synced TOTP code accepted", self.validate(user, totp_now(t["query"]["secret"])))
            if t["type"] == "hotp":
                key = base64.b32decode(t["query"]["secret"] + "=" * (-len(t["query"]["secret"]) % 8))
                self.expect("synced HOTP code accepted", self.validate(user, hotp(key, 0)))
            if t["type"] == "push":
                t["rsa"] = push_enrol(rec, t)
                st, body = push_poll(rec, s, t["rsa"], "push poll with the enrolled token")
                self.expect("synced push token polls", body["result"]["status"] is True, str(body["result"]))
        s2 = a.synchronize("second synchronize: the client holds every token")
        self.expect("second sync adds nothing and updates all",
                    s2["plain"]["tokens"]["add"] == [] and len(s2["plain"]["tokens"]["update"]) == 3)
        # a token added on the server appears
        new = rec.ok("POST", "/token/init", {"type": "totp", "user": user, "realm": harness.REALM, "genkey": "1"},
                     admin=True, note="admin enrols a further TOTP token (outside the container)")
        new_serial = new["detail"]["serial"]
        rec.ok("POST", f"/container/{serial}/add", {"serial": new_serial}, admin=True,
               note="admin adds it to the container")
        s3 = a.synchronize("synchronize after the server added a token")
        self.expect("a token added on the server arrives", a.apply(s3["plain"]) == [new_serial])
        # a token removed on the server disappears from the answer
        rec.ok("POST", f"/container/{serial}/remove", {"serial": new_serial}, admin=True,
               note="admin removes it from the container")
        s4 = a.synchronize("synchronize after the server removed a token")
        upd = [t["serial"] for t in s4["plain"]["tokens"]["update"]]
        self.expect("a removed token is neither added nor updated",
                    new_serial not in upd and s4["plain"]["tokens"]["add"] == [], str(s4["plain"]["tokens"]))

        # --- rollover by the admin (new phone scans a rollover QR) ---------------
        rec.flow = "rollover_admin"
        uri_b = self.initialize(serial, "admin: register/initialize rollover=1 (rollover QR)", rollover="1")
        sa = a.synchronize("old phone synchronizes while the rollover waits for the new phone")
        self.expect("old phone still syncs before the new phone finalizes", sa["plain"]["tokens"]["add"] == [])
        b = ContainerClient(rec, uri_b, brand="VaktProbe", model="2")
        b.finalize()
        info = rec.ok("GET", "/container/", {"container_serial": serial}, admin=True,
                      note="container info after the new phone's finalize")
        state = info["result"]["value"]["containers"][0]["info"].get("registration_state")
        self.expect("state after rollover finalize is rollover_completed", state == "rollover_completed", state)
        old_totp = next(t for t in a.tokens.values() if t["type"] == "totp")
        old_hotp = next(t for t in a.tokens.values() if t["type"] == "hotp")
        old_key = base64.b32decode(old_hotp["query"]["secret"] + "=" * (-len(old_hotp["query"]["secret"]) % 8))
        self.expect("old phone's next HOTP code refused after the rollover finalize",
                    not self.validate(user, hotp(old_key, 1)))
        sb = b.synchronize("new phone's first synchronize: every token with new secrets")
        b_added = b.apply(sb["plain"])
        self.expect("new phone receives every token", sorted(b_added) == sorted(server_tokens), str(b_added))
        new_totp = next(t for t in b.tokens.values() if t["type"] == "totp")
        self.expect("new phone's TOTP secret differs", new_totp["query"]["secret"] != old_totp["query"]["secret"])
        self.expect("new phone's TOTP accepted", self.validate(user, totp_now(new_totp["query"]["secret"])))
        ch = a.challenge("container/synchronize", "old phone asks for a challenge")
        self.expect("old phone still gets a challenge", bool(ch.get("nonce")))
        status, err = rec.fail("POST", "/container/synchronize", a.sync_request(),
                               "old phone synchronizes after the rollover")
        self.expect("old phone's sync refused", err["code"] == 3002, str(err))

        # --- rollover by the client (container_client_rollover) ------------------
        rec.flow = "rollover_client"
        params = b.signed_params("container/rollover")
        r = rec.ok("POST", "/container/rollover", params, note="registered phone asks for a rollover QR")
        uri_c = r["result"]["value"]["container_url"]["value"]
        c = ContainerClient(rec, uri_c, brand=None, model=None)
        c.finalize()
        sc = c.synchronize("third phone's first synchronize")
        self.expect("third phone receives every token", len(c.apply(sc["plain"])) == 3)
        status, err = rec.fail("POST", "/container/synchronize", b.sync_request(),
                               "second phone synchronizes after the client rollover")
        self.expect("second phone's sync refused", err["code"] == 3002, str(err))

        # --- unregister from the client ------------------------------------------
        rec.flow = "terminate"
        status, err = rec.fail("POST", "/container/register/terminate/client",
                               c.signed_params("container/register/terminate/client"),
                               "unregister while disable_client_container_unregister is set")
        self.expect("unregister refused by policy", err["code"] == 303 and status == 403, f"{status} {err}")
        rec.ok("POST", "/policy/vakt-container",
               {"scope": "container", "active": "true",
                "action": f"privacyIDEA_server_url={self.server.url}, container_client_rollover=1"},
               admin=True, note="admin drops the disable_* actions")
        r = rec.ok("POST", "/container/register/terminate/client",
                   c.signed_params("container/register/terminate/client"), note="unregister from the client")
        self.expect("unregister accepted", r["result"]["value"]["success"] is True)
        status, err = rec.fail("POST", "/container/challenge",
                               {"container_serial": serial,
                                "scope": endpoint_url(c.server_url, "container/synchronize")},
                               "challenge after unregister")
        self.expect("challenge after unregister refused", err["code"] == 3001, f"{status} {err}")
        self.expect("tokens keep working after unregister",
                    self.validate(user, totp_now(next(t for t in c.tokens.values()
                                                      if t["type"] == "totp")["query"]["secret"])))

        # --- passphrase and other errors -----------------------------------------
        rec.flow = "errors"
        serial2, _ = self.make_container("bob", ["totp"])
        uri2 = self.initialize(serial2, "register/initialize with a passphrase prompt and answer",
                               passphrase_prompt="Your code word?", passphrase_response="swordfish")
        d = ContainerClient(rec, uri2)
        self.vectors["passphrase_uri"] = uri2
        status, err = rec.fail("POST", "/container/register/finalize", d.finalize_params("wrong"),
                               "finalize with a wrong passphrase")
        self.expect("wrong passphrase refused", err["code"] == 3002, str(err))
        d.finalize("swordfish")
        self.expect("right passphrase accepted", True)
        status, err = rec.fail("POST", "/container/challenge",
                               {"container_serial": serial2, "scope": self.server.url + "/container/other"},
                               "challenge for a scope that is no client operation")
        self.expect("foreign scope refused", err["code"] == 905, f"{status} {err}")
        status, err = rec.fail("POST", "/container/challenge",
                               {"container_serial": "SMPH-NONE",
                                "scope": self.server.url + "/container/synchronize"},
                               "challenge for an unknown container")
        self.expect("unknown container", status == 404 and err["code"] == 601, f"{status} {err}")
        rec.ok("POST", "/policy/vakt-container",
               {"scope": "container", "active": "true", "action": f"privacyIDEA_server_url={self.server.url}"},
               admin=True, note="admin drops container_client_rollover")
        params = d.sync_request()
        params["signature"] = d.sign("something else")
        status, err = rec.fail("POST", "/container/synchronize", params, "synchronize with a wrong signature")
        self.expect("wrong signature refused", err["code"] == 3002, f"{status} {err}")
        params = d.sync_request()
        rec.ok("POST", "/container/synchronize", params, note="synchronize")
        status, err = rec.fail("POST", "/container/synchronize", params, "the same request replayed")
        self.expect("replayed sync refused", err["code"] == 3002, f"{status} {err}")
        status, err = rec.fail("POST", "/container/rollover",
                               d.signed_params("container/rollover"),
                               "client rollover without container_client_rollover for this user")
        self.expect("client rollover refused by policy", status == 403, f"{status} {err}")

        # --- initial transfer and tokens identified by OTP values ----------------
        rec.flow = "initial_transfer"
        self.api.policy("vakt-initial-carol", "container", "initially_add_tokens_to_container=1",
                        user="carol", realm=harness.REALM)
        serial3, tokens3 = self.make_container("carol", ["hotp"])
        hotp_serial = next(iter(tokens3))
        outside = rec.ok("POST", "/token/init", {"type": "totp", "user": "carol", "realm": harness.REALM,
                                                  "genkey": "1"}, admin=True,
                         note="admin enrols a TOTP token for carol outside any container")
        outside_serial = outside["detail"]["serial"]
        e = ContainerClient(rec, self.initialize(serial3, "register/initialize for carol"))
        fin = e.finalize()
        self.expect("finalize reports initially_add_tokens_to_container",
                    fin["result"]["value"]["policies"]["initially_add_tokens_to_container"] not in (False, None))
        key = base64.b32decode(self.seeds[hotp_serial] + "=" * (-len(self.seeds[hotp_serial]) % 8))
        e.tokens[outside_serial] = {"type": "totp"}
        ch = e.challenge("container/synchronize")
        e.enc_key_private = X25519PrivateKey.generate()
        enc_pub = b64url(e.enc_key_private.public_key().public_bytes_raw())
        container = json.dumps({"serial": serial3, "type": "smartphone", "tokens": [
            {"serial": outside_serial, "tokentype": "totp"},
            {"otp": [hotp(key, 0), hotp(key, 1)], "tokentype": "hotp"}]})
        params = e.signed_params("container/synchronize", [enc_pub, container], challenge=ch)
        params.update({"public_enc_key_client": enc_pub, "container_dict_client": container})
        value = rec.ok("POST", "/container/synchronize", params,
                       note="first sync: a token outside the container by serial, one by OTP values")["result"]["value"]
        plain = e.decrypt(value)
        rec.flows[rec.flow][-1]["decrypted_container_dict_server"] = plain
        upd = {t["serial"]: t for t in plain["tokens"]["update"]}
        self.expect("the phone's token outside the container is taken in", outside_serial in upd, str(plain))
        self.expect("the token given by OTP values is identified", upd.get(hotp_serial, {}).get("otp") ==
                    [hotp(key, 0), hotp(key, 1)], str(plain))
        self.expect("nothing to add", plain["tokens"]["add"] == [], str(plain))

        # --- hide_specific_error_message --------------------------------------------
        rec.flow = "errors"
        rec.ok("POST", "/policy/vakt-container",
               {"scope": "container", "active": "true",
                "action": f"privacyIDEA_server_url={self.server.url}, hide_specific_error_message=1"},
               admin=True, note="admin sets hide_specific_error_message")
        params = d.sync_request()
        params["signature"] = d.sign("something else")
        status, err = rec.fail("POST", "/container/synchronize", params,
                               "synchronize with a wrong signature under hide_specific_error_message")
        self.expect("hidden error is 3000", err["code"] == 3000 and status == 400, f"{status} {err}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="vakt-containers-"))
    server = harness.Server(harness.venv_from_env(), work / "server")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rec = Recorder(server.url)
    probe = None
    try:
        server.setup()
        server.start()
        api = harness.Api(server)
        api.login()
        api.setup_realm()
        rec.admin_token = api.token
        probe = Probe(rec, api, server)
        probe.run()
    except Exception as e:  # noqa: BLE001 - write what was recorded
        import traceback
        traceback.print_exc()
        if probe:
            probe.expect("probe ran to its end", False, repr(e))
    finally:
        server.stop()
        meta = {"server": "privacyIDEA 3.14 on 127.0.0.1 (throwaway instance)",
                "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "server_url": server.url}
        for flow, exchanges in rec.flows.items():
            (out / f"{flow}.json").write_text(json.dumps({"meta": meta, "exchanges": exchanges}, indent=2) + "\n")
        if probe:
            (out / "vectors.json").write_text(json.dumps({"meta": meta, **probe.vectors}, indent=2) + "\n")
    failed = [r for r in (probe.results if probe else [("start", False, "")]) if not r[1]]
    print(f"{len(probe.results) - len(failed) if probe else 0} as expected, {len(failed)} not")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
