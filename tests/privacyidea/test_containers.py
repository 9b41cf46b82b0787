"""privacyIDEA smartphone containers end to end: Vakt against privacyIDEA 3.14.

A container holding TOTP, HOTP and push tokens is made for a user on the
server; the registration QR PNG the server renders is scanned with `vakt add
--qr` (register + first synchronisation); codes are accepted by
`/validate/check`, a push login is approved; tokens added to or removed from
the container on the server show up with `vakt container sync`; an admin's
rollover QR (`rollover=1`) moves the container to a second vault, whose codes
(and push approvals) are accepted while the first vault's are refused and its next sync says it no
longer holds the container; forged and replayed synchronize answers are
refused (through a loopback proxy that alters them) and change nothing;
unregistering from the phone keeps the tokens; a vault restored from a backup
holds the container as needing registration until a rollover code registers
it again, under the same ids.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import harness
from run import check

PROXY = None


class SyncProxy:
    """Forwards to the server; can alter synchronize answers on demand."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.mode = None          # None, "flip", "replay", "other_serial"
        self.last_sync = None     # the last synchronize answer forwarded as it was
        port = harness.free_port()
        self.url = f"http://127.0.0.1:{port}"
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                req = urllib.request.Request(proxy.upstream + self.path, data=body, method="POST")
                req.add_header("Content-Type", self.headers.get("Content-Type", ""))
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, reply = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, reply = e.code, e.read()
                if self.path.startswith("/container/synchronize") and status == 200:
                    reply = proxy.alter(reply)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def alter(self, reply: bytes) -> bytes:
        mode, self.mode = self.mode, None
        if mode is None:
            self.last_sync = reply
            return reply
        if mode == "replay":
            return self.last_sync
        doc = json.loads(reply)
        value = doc["result"]["value"]
        if mode == "flip":
            data = value["container_dict_server"]
            value["container_dict_server"] = ("A" if data[0] != "A" else "B") + data[1:]
        elif mode == "other_key":
            key = value["public_server_key"]
            value["public_server_key"] = ("A" if key[0] != "A" else "B") + key[1:]
        return json.dumps(doc).encode()


def setup_server(api, server) -> None:
    global PROXY
    PROXY = SyncProxy(server.url)
    # Every container's phone talks to the server directly, except those of
    # users named in the proxy policy (a user-specific policy wins by priority).
    api.policy("vakt-container", "container",
               f"privacyIDEA_server_url={server.url}, container_registration_ttl=10, "
               "container_challenge_ttl=2, container_client_rollover=1", priority="5")


def container_for(ctx, user: str, tokens: list[str]) -> tuple[str, str]:
    """A smartphone container for `user` with tokens of `tokens` types; (serial, token PIN)."""
    r = ctx.api.ok("POST", "/container/init", {"type": "smartphone", "user": user,
                                                "realm": harness.REALM, "description": "vakt"})
    serial = r["result"]["value"]["container_serial"]
    pin = f"pin-{user}"
    for ttype in tokens:
        ctx.api.init_token(type=ttype, user=user, pin=pin, container_serial=serial)
    return serial, pin


def registration_png(ctx, serial: str, name: str, **extra) -> "os.PathLike":
    r = ctx.api.ok("POST", "/container/register/initialize", {"container_serial": serial, **extra})
    return ctx.save_png(r["result"]["value"]["container_url"]["img"], name)


def accounts(ctx, vault=None) -> dict:
    """serial-independent view: account id -> listed account."""
    return {a["id"]: a for a in json.loads(run_vakt(ctx, vault, "list", "--json").stdout)}


def run_vakt(ctx, vault, *args, check_ok=True):
    if vault is None:
        return ctx.vakt(*args, check=check_ok)
    env = {**os.environ, "VAKT_PIN": ctx.pin, "VAKT_INSECURE_TEST_KDF": "1", "VAKT_KEYSTORE": "file"}
    p = subprocess.run([str(ctx.vakt_bin), "--vault", str(vault), *args], capture_output=True,
                       text=True, env=env, timeout=120)
    if check_ok and p.returncode != 0:
        raise AssertionError(f"vakt {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def container_list(ctx, vault=None) -> list:
    return json.loads(run_vakt(ctx, vault, "container", "list", "--json").stdout)


def member(listed: dict, tokentype: str) -> dict:
    return next(t for t in listed["tokens"] if t["tokentype"] == tokentype)


def code_of(ctx, account_id: int, vault=None) -> str:
    codes = json.loads(run_vakt(ctx, vault, "codes", "--json").stdout)
    return next(c["code"] for c in codes if c["id"] == account_id)


def accepted(ctx, user: str, password: str) -> bool:
    return ctx.api.validate(user, password)["result"].get("authentication") == "ACCEPT"


def fresh_totp(ctx, user, pin, account_id, vault=None) -> bool:
    """Whether a TOTP code of the vault is accepted (waits out a used time step once)."""
    for _ in range(2):
        if accepted(ctx, user, pin + code_of(ctx, account_id, vault)):
            return True
        time.sleep(31 - time.time() % 30)
    return False


def test_container_register_sync_codes_and_push(ctx):
    user = ctx.user()
    serial, pin = container_for(ctx, user, ["totp", "hotp", "push"])
    png = registration_png(ctx, serial, "container.png")
    scanned = json.loads(ctx.vakt("scan", "--json", str(png)).stdout)
    check(scanned[0]["kind"] == "container" and scanned[0]["serial"] == serial, f"{scanned}")
    check("nonce" not in scanned[0], "the nonce is shown only with --reveal")
    ctx.init_vault()
    out = ctx.vakt("add", "--qr", str(png))
    check(f"registered container #1  {serial}" in out.stdout, out.stdout)
    check(out.stdout.count("added #") == 3, out.stdout)
    listed = container_list(ctx)
    check(len(listed) == 1 and listed[0]["state"] == "registered", f"{listed}")
    check(sorted(t["tokentype"] for t in listed[0]["tokens"]) == ["hotp", "push", "totp"], f"{listed}")
    info = ctx.api.ok("GET", "/container/", {"container_serial": serial})["result"]["value"]["containers"][0]
    check(info["info"].get("registration_state") == "registered", f"{info['info']}")

    # TOTP and HOTP codes from the vault are accepted.
    totp = member(listed[0], "totp")["id"]
    check(fresh_totp(ctx, user, pin, totp), "the container's TOTP code is refused")
    hotp = member(listed[0], "hotp")["id"]
    code = ctx.vakt("next", str(hotp)).stdout.strip()
    check(accepted(ctx, user, pin + code), "the container's HOTP code is refused")

    # The push token approves a login.
    r = ctx.api.validate(user, pin)
    check(r["result"].get("authentication") == "CHALLENGE", f"trigger: {r['result']}")
    tid = r["detail"]["transaction_id"]
    challenges = json.loads(ctx.vakt("push", "poll", "--json").stdout)
    check(len(challenges) == 1 and challenges[0]["serial"] == member(listed[0], "push")["serial"],
          f"{challenges}")
    out = ctx.vakt("push", "approve", str(challenges[0]["id"]), "--json")
    check(json.loads(out.stdout)["result"] == "approved", out.stdout)
    final = ctx.api.validate(user, "", transaction_id=tid)
    check(final["result"].get("authentication") == "ACCEPT", f"push login: {final['result']}")

    # In sync: nothing added, all three still there.
    synced = json.loads(ctx.vakt("container", "sync", "--json").stdout)
    check(synced[0]["added"] == [] and len(synced[0]["updated"]) == 3 and synced[0]["removed"] == [],
          f"{synced}")

    # A token the server adds to the container arrives, and its codes work.
    new = ctx.api.init_token(type="totp", user=user, pin=pin)["detail"]["serial"]
    ctx.api.ok("POST", f"/container/{serial}/add", {"serial": new})
    synced = json.loads(ctx.vakt("container", "sync", "--json").stdout)
    check([t["serial"] for t in synced[0]["added"]] == [new], f"{synced}")
    new_id = synced[0]["added"][0]["id"]
    check(fresh_totp(ctx, user, pin, new_id), "the added token's code is refused")

    # A token the server takes out is reported removed and stays in the vault.
    ctx.api.ok("POST", f"/container/{serial}/remove", {"serial": new})
    synced = json.loads(ctx.vakt("container", "sync", "--json").stdout)
    check([t["serial"] for t in synced[0]["removed"]] == [new], f"{synced}")
    check(new_id in accounts(ctx), "a token removed from the container was deleted")
    removed = [t for t in container_list(ctx)[0]["tokens"] if t["removed"]]
    check([t["serial"] for t in removed] == [new], f"{removed}")


def test_container_rollover_to_a_new_vault(ctx):
    user = ctx.user()
    serial, pin = container_for(ctx, user, ["totp", "hotp", "push"])
    ctx.init_vault()
    ctx.vakt("add", "--qr", str(registration_png(ctx, serial, "first.png")))
    old = container_list(ctx)[0]
    old_totp = member(old, "totp")["id"]
    old_hotp = member(old, "hotp")["id"]

    # The lost phone's replacement: a new vault scans the admin's rollover QR.
    png = registration_png(ctx, serial, "rollover.png", rollover="1")
    new_vault = ctx.scratch / "new-vault"
    run_vakt(ctx, new_vault, "init")
    out = run_vakt(ctx, new_vault, "add", "--qr", str(png))
    check("registered container #1" in out.stdout and out.stdout.count("added #") == 3, out.stdout)
    new = container_list(ctx, new_vault)[0]
    check(new["state"] == "registered", f"{new}")
    check(fresh_totp(ctx, user, pin, member(new, "totp")["id"], new_vault),
          "the new vault's TOTP code is refused")
    code = run_vakt(ctx, new_vault, "next", str(member(new, "hotp")["id"])).stdout.strip()
    check(accepted(ctx, user, pin + code), "the new vault's HOTP code is refused")

    # Push too: the new vault approves a login.
    r = ctx.api.validate(user, pin)
    check(r["result"].get("authentication") == "CHALLENGE", f"trigger: {r['result']}")
    tid = r["detail"]["transaction_id"]
    challenges = json.loads(run_vakt(ctx, new_vault, "push", "poll", "--json").stdout)
    check(len(challenges) == 1, f"the new vault sees {challenges}")
    run_vakt(ctx, new_vault, "push", "approve", str(challenges[0]["id"]))
    final = ctx.api.validate(user, "", transaction_id=tid)
    check(final["result"].get("authentication") == "ACCEPT", f"push login: {final['result']}")

    # The old vault's codes no longer work, and its next sync says so.
    code = ctx.vakt("next", str(old_hotp)).stdout.strip()
    check(not accepted(ctx, user, pin + code), "the old vault's HOTP code is still accepted")
    check(not accepted(ctx, user, pin + code_of(ctx, old_totp)), "the old vault's TOTP code is accepted")
    p = ctx.vakt("container", "sync", check=False)
    check(p.returncode == 13 and "no longer registered" in p.stderr, f"{p.returncode} {p.stderr}")
    check(container_list(ctx)[0]["state"] == "not-registered-here", f"{container_list(ctx)}")
    check({old_totp, old_hotp} <= set(accounts(ctx)), "the old vault deleted accounts")


def test_container_forged_and_replayed_answers_are_refused(ctx):
    user = ctx.user()
    # This user's phone talks to the server through the altering proxy.
    ctx.api.policy(f"vakt-container-{user}", "container",
                   f"privacyIDEA_server_url={PROXY.url}, container_client_rollover=1",
                   user=user, realm=harness.REALM, priority="1")
    serial, pin = container_for(ctx, user, ["totp"])
    ctx.init_vault()
    ctx.vakt("add", "--qr", str(registration_png(ctx, serial, "c.png")))
    before = (accounts(ctx), container_list(ctx))
    ctx.vakt("container", "sync")  # recorded by the proxy for the replay

    new = ctx.api.init_token(type="totp", user=user, pin=pin)["detail"]["serial"]
    ctx.api.ok("POST", f"/container/{serial}/add", {"serial": new})
    for mode in ("flip", "other_key", "replay"):
        PROXY.mode = mode
        p = ctx.vakt("container", "sync", check=False)
        check(p.returncode == 7 and "not understood" in p.stderr, f"{mode}: {p.returncode} {p.stderr}")
        check((accounts(ctx), [{**c, "last_sync": None} for c in container_list(ctx)])
              == (before[0], [{**c, "last_sync": None} for c in before[1]]),
              f"{mode}: the vault changed")
    # Unaltered, the token arrives.
    synced = json.loads(ctx.vakt("container", "sync", "--json").stdout)
    check([t["serial"] for t in synced[0]["added"]] == [new], f"{synced}")
    ctx.api.ok("DELETE", f"/policy/vakt-container-{user}")


def test_container_unregister_keeps_tokens(ctx):
    user = ctx.user()
    serial, pin = container_for(ctx, user, ["totp"])
    ctx.init_vault()
    ctx.vakt("add", "--qr", str(registration_png(ctx, serial, "c.png")))
    totp = member(container_list(ctx)[0], "totp")["id"]
    out = ctx.vakt("container", "unregister", "1")
    check("unregistered container #1" in out.stdout, out.stdout)
    check(container_list(ctx) == [], "the container is still listed")
    info = ctx.api.ok("GET", "/container/", {"container_serial": serial})["result"]["value"]["containers"][0]
    check(info["info"].get("registration_state") in (None, ""), f"server still registered: {info['info']}")
    check(fresh_totp(ctx, user, pin, totp), "the token stopped working after unregister")
    p = ctx.vakt("container", "unregister", "1", check=False)
    check(p.returncode == 2 and "no container #1" in p.stderr, f"{p.returncode} {p.stderr}")


def test_container_restored_from_a_backup_registers_again(ctx):
    user = ctx.user()
    serial, pin = container_for(ctx, user, ["totp"])
    unblock = json.loads(ctx.vakt("init", "--json").stdout)["unblock_code"]
    ctx.vakt("add", "--qr", str(registration_png(ctx, serial, "c.png")))
    totp = member(container_list(ctx)[0], "totp")["id"]
    backup = ctx.scratch / "vakt.bkp"
    ctx.vakt("backup", "export", str(backup))

    # The new phone: the backup restored, the container waits for a new code.
    new_vault = ctx.scratch / "restored"
    env = {**os.environ, "VAKT_INSECURE_TEST_KDF": "1", "VAKT_KEYSTORE": "file",
           "VAKT_UNBLOCK_CODE": unblock, "VAKT_NEW_PIN": ctx.pin}
    p = subprocess.run([str(ctx.vakt_bin), "--vault", str(new_vault), "backup", "restore",
                        str(backup), "--json"], capture_output=True, text=True, env=env)
    check(p.returncode == 0, f"restore: {p.stderr}")
    check(f"container {serial}" in json.loads(p.stdout)["needs_reenrolment"], p.stdout)
    restored = container_list(ctx, new_vault)
    check(restored[0]["state"] == "needs-registration", f"{restored}")
    check(member(restored[0], "totp")["id"] == totp, f"{restored}")
    p = run_vakt(ctx, new_vault, "container", "sync", "1", check_ok=False)
    check(p.returncode == 13, f"sync before registering: {p.returncode} {p.stderr}")

    # The admin's rollover code: registered again under the same id, the same
    # account given the new secret.
    png = registration_png(ctx, serial, "rollover.png", rollover="1")
    out = run_vakt(ctx, new_vault, "add", "--qr", str(png))
    check("registered container #1" in out.stdout and f"added #{totp}" in out.stdout, out.stdout)
    check(fresh_totp(ctx, user, pin, totp, new_vault), "the restored account's new code is refused")
    check(len(accounts(ctx, new_vault)) == 1, "the restore and the sync made two accounts")
