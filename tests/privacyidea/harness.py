"""A real privacyIDEA 3.14 server on 127.0.0.1 for Vakt's end-to-end tests.

`Server` sets up a throwaway instance under a work folder (SQLite, its own
encryption and audit keys, one admin, a passwd-file resolver and realm), starts
`pi-manage run` on a free loopback port, and stops it by its PID. `Api` is a
small client for the admin and login-side endpoints the tests use.

Only loopback addresses are ever contacted.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ADMIN = "admin"
REALM = "vakt"
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
         "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "uma",
         "victor", "walter", "xena", "yusuf", "zoe", "amara", "bruno", "chloe"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A privacyIDEA instance in `work`, run with the venv's `pi-manage`."""

    def __init__(self, venv: Path, work: Path):
        self.venv = venv
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_password = secrets.token_hex(12)
        self.proc: subprocess.Popen | None = None
        self.cfg = work / "pi.cfg"

    def _env(self) -> dict:
        env = dict(os.environ)
        env["PRIVACYIDEA_CONFIGFILE"] = str(self.cfg)
        return env

    def _manage(self, *args: str) -> None:
        subprocess.run([str(self.venv / "bin" / "pi-manage"), *args], env=self._env(),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=self.work)

    def setup(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        w = self.work
        self.cfg.write_text(
            f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{w / 'pi.sqlite'}'\n"
            f"SECRET_KEY = '{secrets.token_hex(24)}'\n"
            f"PI_PEPPER = '{secrets.token_hex(24)}'\n"
            f"PI_ENCFILE = '{w / 'enckey'}'\n"
            f"PI_AUDIT_KEY_PRIVATE = '{w / 'audit-private.pem'}'\n"
            f"PI_AUDIT_KEY_PUBLIC = '{w / 'audit-public.pem'}'\n"
            f"PI_LOGFILE = '{w / 'privacyidea.log'}'\n"
            "PI_LOGLEVEL = 30\n"
            f"PI_NODE_UUID = '{'8e4272a9-9037-40df-8aa3-976e4a04b5a9'}'\n"
            "PI_NODE = 'vakt-test'\n"
        )
        self._manage("setup", "create_enckey")
        self._manage("setup", "create_audit_keys")
        self._manage("setup", "create_tables")
        self._manage("admin", "add", ADMIN, "-p", self.admin_password)
        (w / "users").write_text("".join(
            f"{u}:x:{1000 + i}:{1000 + i}:{u.title()}:/home/{u}:/bin/sh\n"
            for i, u in enumerate(USERS)))

    def start(self, timeout: float = 90.0) -> None:
        log = open(self.work / "server.out", "wb")
        self.proc = subprocess.Popen(
            [str(self.venv / "bin" / "pi-manage"), "run", "-h", "127.0.0.1", "-p", str(self.port)],
            env=self._env(), cwd=self.work, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        (self.work / "server.pid").write_text(str(self.proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("privacyIDEA exited early; see " + str(self.work / "server.out"))
            try:
                with urllib.request.urlopen(self.url + "/healthz/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("privacyIDEA did not start in time")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None


class ApiError(Exception):
    pass


class Api:
    """Admin and login-side calls against a running server."""

    def __init__(self, server: Server):
        self.base = server.url
        self.server = server
        self.token = None

    def call(self, method: str, path: str, params: dict | None = None, auth: bool = True):
        data = None
        url = self.base + path
        if method == "GET" and params:
            url += "?" + urllib.parse.urlencode(params)
        elif params is not None:
            data = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if auth and self.token:
            req.add_header("Authorization", self.token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return json.loads(body)
            except ValueError:
                raise ApiError(f"{method} {path}: HTTP {e.code}") from None

    def login(self) -> None:
        r = self.call("POST", "/auth", {"username": ADMIN, "password": self.server.admin_password},
                      auth=False)
        self.token = r["result"]["value"]["token"]

    def setup_realm(self) -> None:
        self.ok("POST", f"/resolver/{REALM}-users",
                {"type": "passwdresolver", "fileName": str(self.server.work / "users")})
        self.ok("POST", f"/realm/{REALM}", {"resolvers": f"{REALM}-users"})
        self.ok("POST", f"/defaultrealm/{REALM}", {})

    def ok(self, method: str, path: str, params: dict | None = None) -> dict:
        r = self.call(method, path, params)
        if not r.get("result", {}).get("status"):
            raise ApiError(f"{method} {path}: {r.get('result', {}).get('error')}")
        return r

    def policy(self, name: str, scope: str, action: str, **extra) -> None:
        self.ok("POST", f"/policy/{name}", {"scope": scope, "action": action, "active": "true",
                                            **extra})

    def init_token(self, **params) -> dict:
        return self.ok("POST", "/token/init", {"genkey": "1", "realm": REALM, **params})

    def validate(self, user: str, password: str, **extra) -> dict:
        return self.call("POST", "/validate/check",
                         {"user": user, "realm": REALM, "pass": password, **extra}, auth=False)


def venv_from_env() -> Path:
    return Path(os.environ.get("VAKT_PI_VENV", Path(__file__).resolve().parents[2] / ".cache" / "pi-venv")).resolve()


if __name__ == "__main__":
    print("import this module", file=sys.stderr)
    sys.exit(2)
