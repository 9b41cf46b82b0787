"""Push approval end to end: Vakt against privacyIDEA 3.14's push token.

Every push token here is enrolled from the server's own QR PNG (`vakt add
--qr`), then a login is triggered on the login side (`/validate/check`), Vakt
polls (`vakt push poll --json`) and answers (`vakt push approve|deny`; poll,
list and deny also from a locked vault, without the PIN), and the
login side must see the outcome (`/validate/polltransaction`, then the final
`/validate/check` with the transaction id).

Vakt reaches the server through a pass-through proxy on loopback (the
enrolment policy's registration URL points at it), so that a test can alter
what the server sends (a challenge with a tampered signature) or lose what Vakt
sends (an answer that never arrives, a reply that is lost).
"""

from __future__ import annotations

import base64
import http.server
import json
import signal
import subprocess
import os
import threading
import time
import urllib.error
import urllib.request

import harness
from run import check

PROXY = None


class Proxy:
    """Forwards every request to the server; can tamper or stall on demand."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.tamper = False          # alter challenge signatures in poll answers
        self.hold_answers = False    # keep answers (POST with nonce) until released
        self.drop_held = False       # on release, drop them instead of forwarding
        self.lose_reply = False      # forward the next answer, then lose its reply
        self.released = threading.Event()
        self.held = threading.Event()
        port = harness.free_port()
        self.url = f"http://127.0.0.1:{port}"
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _forward(self, method: str, body: bytes | None):
                req = urllib.request.Request(proxy.upstream + self.path, data=body, method=method)
                if body is not None:
                    req.add_header("Content-Type", self.headers.get("Content-Type", ""))
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        return r.status, r.read()
                except urllib.error.HTTPError as e:
                    return e.code, e.read()

            def _reply(self, status: int, body: bytes):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client is gone (killed on purpose)

            def do_GET(self):
                status, body = self._forward("GET", None)
                if proxy.tamper and status == 200:
                    doc = json.loads(body)
                    for item in doc.get("result", {}).get("value") or []:
                        sig = item["signature"]
                        item["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
                    body = json.dumps(doc).encode()
                self._reply(status, body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                is_answer = b"nonce=" in body
                if b"new_fb_token=" in body and proxy.fail_updates:
                    self._reply(503, b"<html>unavailable</html>")
                    return
                if is_answer and proxy.hold_answers:
                    drop = proxy.drop_held  # decided now; reset() may run meanwhile
                    proxy.held.set()
                    proxy.released.wait(60)
                    if drop:
                        self.close_connection = True
                        return
                status, reply = self._forward("POST", body)
                if is_answer and proxy.lose_reply:
                    proxy.lose_reply = False
                    self.close_connection = True
                    return
                self._reply(status, reply)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self):
        self.tamper = self.hold_answers = self.drop_held = self.lose_reply = False
        self.fail_updates = False
        self.released.clear()
        self.held.clear()


def setup_server(api, server) -> None:
    global PROXY
    PROXY = Proxy(server.url)
    api.policy("vakt-push-enrol", "enrollment",
               "push_firebase_configuration=poll only, "
               f"push_registration_url={PROXY.url}/ttype/push, "
               "push_ssl_verify=0, push_ttl=10")


def enrol(ctx, user: str, name: str = "push") -> tuple[str, str]:
    """Enrols a push token for `user` from the server's QR PNG; (token PIN, serial)."""
    PROXY.reset()
    token_pin = f"pin-{user}"
    r = ctx.api.init_token(type="push", user=user, pin=token_pin)
    detail = r["detail"]
    check(detail["rollout_state"] == "clientwait", f"rollout {detail['rollout_state']}")
    png = ctx.save_png(detail["pushurl"]["img"], f"{name}.png")
    ctx.init_vault()
    out = ctx.vakt("add", "--qr", str(png))
    check("enrolled push token" in out.stdout, out.stdout)
    serial = detail["serial"]
    tokens = ctx.api.ok("GET", "/token/", {"serial": serial})["result"]["value"]["tokens"]
    check(tokens[0]["rollout_state"] == "enrolled", f"server says {tokens[0]['rollout_state']}")
    listed = json.loads(ctx.vakt("push", "list", "--json").stdout)
    check([t["serial"] for t in listed] == [serial] and listed[0]["state"] == "enrolled",
          f"vakt push list: {listed}")
    return token_pin, serial


def trigger(ctx, user: str, token_pin: str) -> dict:
    r = ctx.api.validate(user, token_pin)
    check(r["result"].get("authentication") == "CHALLENGE", f"trigger: {r['result']}")
    return r["detail"]


def poll_one(ctx, serial: str) -> dict:
    challenges = json.loads(ctx.vakt("push", "poll", "--json").stdout)
    check(len(challenges) == 1, f"expected one challenge, got {challenges}")
    c = challenges[0]
    for field in ("id", "account", "title", "question", "presence_options", "expires_at"):
        check(field in c, f"{field} missing in {c}")
    check(c["serial"] == serial, f"serial {c['serial']}")
    left = c["expires_at_unix"] - time.time()
    check(60 < left <= 121, f"expires in {left:.0f} s")
    return c


def login_status(ctx, transaction_id: str) -> dict:
    return ctx.api.call("GET", "/validate/polltransaction",
                        {"transaction_id": transaction_id}, auth=False)


def finish(ctx, user: str, transaction_id: str, password: str = "") -> str:
    r = ctx.api.validate(user, password, transaction_id=transaction_id)
    return r["result"].get("authentication")


def test_push_approve(ctx):
    user = ctx.user()
    token_pin, serial = enrol(ctx, user)
    # The same code again: already enrolled here, nothing sent.
    again = ctx.vakt("add", "--qr", str(ctx.scratch / "push.png"))
    check("already enrolled" in again.stdout, again.stdout)
    # Another device with the same (used) code: the server refuses it.
    other = ctx.scratch / "other-vault"
    env = {"VAKT_INSECURE_TEST_KDF": "1", "VAKT_KEYSTORE": "file"}
    subprocess.run([str(ctx.vakt_bin), "--vault", str(other), "init"], capture_output=True,
                   env={**os.environ, **env, "VAKT_PIN": ctx.pin}, check=True)
    p = subprocess.run([str(ctx.vakt_bin), "--vault", str(other), "add", "--qr",
                        str(ctx.scratch / "push.png")], capture_output=True, text=True,
                       env={**os.environ, **env, "VAKT_PIN": ctx.pin})
    check(p.returncode == 7 and "already used" in p.stderr, f"{p.returncode} {p.stderr}")

    check(json.loads(ctx.vakt("push", "poll", "--json").stdout) == [], "nothing before a login")
    detail = trigger(ctx, user, token_pin)
    tid = detail["transaction_id"]
    c = poll_one(ctx, serial)
    check(c["presence_options"] == [] and c["state"] == "open", f"{c}")
    check(c["question"] and c["title"], f"{c}")
    check(login_status(ctx, tid)["result"]["value"] is False, "pending before the answer")
    out = ctx.vakt("push", "approve", str(c["id"]), "--json")
    check(json.loads(out.stdout)["result"] == "approved", out.stdout)
    check(login_status(ctx, tid)["result"]["value"] is True, "accepted after approve")
    check(finish(ctx, user, tid) == "ACCEPT", "login accepted")
    check(finish(ctx, user, tid) == "REJECT", "the same transaction only once")
    check(json.loads(ctx.vakt("push", "poll", "--json").stdout) == [], "answered: gone")


def test_push_deny(ctx):
    user = ctx.user()
    token_pin, serial = enrol(ctx, user)
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    c = poll_one(ctx, serial)
    check(c["decline_reasons"] is True, f"{c}")
    out = ctx.vakt("push", "deny", str(c["id"]), "--reason", "unknown_trigger")
    check(out.stdout.strip() == "declined", out.stdout)
    status = login_status(ctx, tid)
    check(json.dumps(status).lower().count("declined") >= 1, f"polltransaction: {status}")
    check(finish(ctx, user, tid) == "REJECT", "declined login rejected")
    # A second answer to the same challenge is refused locally.
    p = ctx.vakt("push", "approve", str(c["id"]), check=False)
    check(p.returncode == 2 and "already answered" in p.stderr, f"{p.returncode} {p.stderr}")


def test_push_answered_from_a_locked_vault(ctx):
    """Poll, list and deny with no PIN at all; approve needs the PIN."""
    user = ctx.user()
    token_pin, serial = enrol(ctx, user)
    listed = json.loads(ctx.vakt_locked("push", "list", "--json").stdout)
    check(serial in [t["serial"] for t in listed], f"locked list: {listed}")
    # Deny while locked: signed by the device key, the login is rejected.
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    challenges = json.loads(ctx.vakt_locked("push", "poll", "--json").stdout)
    check(len(challenges) == 1 and challenges[0]["serial"] == serial, f"{challenges}")
    c = challenges[0]
    check(c["title"] and c["question"], f"verified details shown: {c}")
    out = ctx.vakt_locked("push", "deny", str(c["id"]), "--reason", "unknown_trigger", "--json")
    check(json.loads(out.stdout)["result"] == "declined", out.stdout)
    status = login_status(ctx, tid)
    check(json.dumps(status).lower().count("declined") >= 1, f"polltransaction: {status}")
    check(finish(ctx, user, tid) == "REJECT", "declined while locked: login rejected")
    # Approve: refused without the PIN (nothing sent), 3 with a wrong one,
    # accepted with the right one.
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    challenges = json.loads(ctx.vakt_locked("push", "poll", "--json").stdout)
    check(len(challenges) == 1, f"{challenges}")
    c = challenges[0]
    p = ctx.vakt_locked("push", "approve", str(c["id"]), check=False)
    check(p.returncode != 0, f"approve without the PIN: {p.returncode} {p.stdout}")
    check(login_status(ctx, tid)["result"]["value"] is False, "still pending")
    wrong = "6047" if ctx.pin != "6047" else "5830"
    p = ctx.vakt("push", "approve", str(c["id"]), env={"VAKT_PIN": wrong}, check=False)
    check(p.returncode == 3, f"wrong PIN: {p.returncode} {p.stderr}")
    check(login_status(ctx, tid)["result"]["value"] is False, "still pending")
    out = ctx.vakt("push", "approve", str(c["id"]), "--json")
    check(json.loads(out.stdout)["result"] == "approved", out.stdout)
    check(finish(ctx, user, tid) == "ACCEPT", "approved after the PIN: login accepted")
    # The answered challenge is gone from the locked list; a locked deny of it
    # is refused.
    check(json.loads(ctx.vakt_locked("push", "poll", "--json").stdout) == [], "answered")
    p = ctx.vakt_locked("push", "deny", str(c["id"]), check=False)
    check(p.returncode == 2 and "already answered" in p.stderr, f"{p.returncode} {p.stderr}")


def test_push_presence_check(ctx):
    user = ctx.user()
    ctx.api.policy(f"vakt-presence-{user}", "authentication", "push_require_presence=1",
                   user=user, realm=harness.REALM)
    token_pin, serial = enrol(ctx, user)
    detail = trigger(ctx, user, token_pin)
    tid, right = detail["transaction_id"], detail["presence_answer"]
    c = poll_one(ctx, serial)
    options = c["presence_options"]
    check(right in options and len(options) >= 2, f"options {options}, answer {right}")
    wrong = next(o for o in options if o != right)
    p = ctx.vakt("push", "approve", str(c["id"]), check=False)
    check(p.returncode == 2 and "pick the option" in p.stderr, f"{p.returncode} {p.stderr}")
    # A wrong pick declines the sign-in (signed decline sent): no second guess.
    p = ctx.vakt("push", "approve", str(c["id"]), "--answer", wrong, check=False)
    check(p.returncode == 2 and "declined" in p.stderr, f"{p.returncode} {p.stderr}")
    status = login_status(ctx, tid)
    check(json.dumps(status).lower().count("declined") >= 1, f"polltransaction: {status}")
    check(finish(ctx, user, tid) == "REJECT", "declined after a wrong pick")
    p = ctx.vakt("push", "approve", str(c["id"]), "--answer", right, check=False)
    check(p.returncode == 2 and "already answered" in p.stderr, f"{p.returncode} {p.stderr}")
    # A new sign-in with the right pick is accepted.
    detail = trigger(ctx, user, token_pin)
    tid, right = detail["transaction_id"], detail["presence_answer"]
    c = poll_one(ctx, serial)
    ctx.vakt("push", "approve", str(c["id"]), "--answer", right)
    check(finish(ctx, user, tid) == "ACCEPT", "login accepted with the right option")


def test_push_code_to_phone(ctx):
    user = ctx.user()
    ctx.api.policy(f"vakt-c2p-{user}", "authentication", "push_code_to_phone=1",
                   user=user, realm=harness.REALM)
    token_pin, serial = enrol(ctx, user)
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    c = poll_one(ctx, serial)
    out = json.loads(ctx.vakt("push", "approve", str(c["id"]), "--json").stdout)
    code = out["display_code"]
    check(isinstance(code, str) and code.isdigit(), f"display code {code!r}")
    check(finish(ctx, user, tid, code) == "ACCEPT", "login with the displayed code")


def test_push_tampered_signature_is_refused(ctx):
    user = ctx.user()
    token_pin, serial = enrol(ctx, user)
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    PROXY.tamper = True
    p = ctx.vakt("push", "poll", "--json")
    PROXY.tamper = False
    check(json.loads(p.stdout) == [], f"a tampered challenge was listed: {p.stdout}")
    check("signature does not verify" in p.stderr, p.stderr)
    # Not stored: an approve of the would-be id finds nothing; the genuine one
    # then arrives and is listed.
    c = poll_one(ctx, serial)
    ctx.vakt("push", "deny", str(c["id"]))
    check(finish(ctx, user, tid) == "REJECT", "declined")


def test_push_answer_survives_kill_and_lost_reply(ctx):
    user = ctx.user()
    token_pin, serial = enrol(ctx, user)
    # 1. vakt is killed (SIGKILL) while its approval is on the way, and the
    #    approval never arrives: the retry sends it again and the login passes.
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    c = poll_one(ctx, serial)
    PROXY.hold_answers = True
    PROXY.drop_held = True
    env = dict(os.environ, VAKT_PIN=ctx.pin)
    proc = subprocess.Popen([str(ctx.vakt_bin), "--vault", str(ctx.vault), "push", "approve",
                             str(c["id"])], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(PROXY.held.wait(60), "the approval reached the proxy")
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    PROXY.released.set()
    PROXY.reset()
    waiting = poll_one(ctx, serial)
    check(waiting["state"] == "sending", f"the committed answer is kept: {waiting}")
    p = ctx.vakt("push", "deny", str(c["id"]), check=False)
    check(p.returncode == 2, f"another decision is refused: {p.returncode} {p.stderr}")
    ctx.vakt("push", "approve", str(c["id"]))
    check(finish(ctx, user, tid) == "ACCEPT", "the retried approval went through")
    # 2. The approval arrives but its reply is lost: vakt says so (exit 7); the
    #    login passes; the retry learns the server no longer has it open.
    tid = trigger(ctx, user, token_pin)["transaction_id"]
    c = poll_one(ctx, serial)
    PROXY.lose_reply = True
    p = ctx.vakt("push", "approve", str(c["id"]), check=False)
    check(p.returncode == 7, f"lost reply: {p.returncode} {p.stderr}")
    check(finish(ctx, user, tid) == "ACCEPT", "the approval arrived")
    p = ctx.vakt("push", "approve", str(c["id"]), check=False)
    check(p.returncode == 2 and "no longer has" in p.stderr, f"{p.returncode} {p.stderr}")


def firebase_token(ctx, serial: str):
    """The registration token the server has for `serial` (its token info)."""
    tokens = ctx.api.ok("GET", "/token/", {"serial": serial})["result"]["value"]["tokens"]
    return tokens[0]["info"].get("firebase_token")


def test_push_registration_token_update(ctx):
    user = ctx.user()
    _, serial = enrol(ctx, user)
    out = ctx.vakt("push", "token-update", "fb-registration-1", "--json")
    results = json.loads(out.stdout)
    check(results == [{"serial": serial, "ok": True, "error": None}], out.stdout)
    check(firebase_token(ctx, serial) == "fb-registration-1",
          f"server has {firebase_token(ctx, serial)!r}")
    # The server fails: reported (exit 7), the token kept, and the next poll
    # sends the new registration token.
    PROXY.fail_updates = True
    p = ctx.vakt("push", "token-update", "fb-registration-2", "--json", check=False)
    PROXY.fail_updates = False
    results = json.loads(p.stdout)
    check(p.returncode == 7 and results[0]["serial"] == serial and results[0]["ok"] is False
          and "503" in results[0]["error"], f"{p.returncode} {p.stdout} {p.stderr}")
    check(firebase_token(ctx, serial) == "fb-registration-1", "not updated while failing")
    listed = json.loads(ctx.vakt("push", "list", "--json").stdout)
    check([t["serial"] for t in listed] == [serial] and listed[0]["state"] == "enrolled",
          f"the token is kept: {listed}")
    check(json.loads(ctx.vakt("push", "poll", "--json").stdout) == [], "no login requests")
    check(firebase_token(ctx, serial) == "fb-registration-2",
          f"the poll sent it: {firebase_token(ctx, serial)!r}")
    # A request with a bad signature, sent straight to the server: refused,
    # and the server keeps the token it has.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    well_formed = base64.b32encode(bytes(384)).decode()  # the size of a 3072-bit signature
    for signature in [well_formed, "not base32"]:
        r = ctx.api.call("POST", "/ttype/push", {"new_fb_token": "fb-forged", "serial": serial,
                                                 "timestamp": stamp, "signature": signature},
                         auth=False)
        check(r["result"]["status"] is False, f"a bad signature was accepted: {r}")
    check(firebase_token(ctx, serial) == "fb-registration-2", "the forged token was refused")
