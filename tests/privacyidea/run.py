"""End-to-end tests of Vakt against a real privacyIDEA 3.14 on 127.0.0.1.

Starts the server (harness.Server), runs every `test_*` function of the test
modules below with a fresh `Ctx`, stops the server by its PID, and prints
`N passed, M failed`. Exit status 1 if anything failed, or if the modules do
not hold exactly the tests listed in EXPECTED_TESTS (checked before the server
starts): a test module that fails to import, or a test lost in an edit, fails
the run instead of shrinking it.

    python tests/privacyidea/run.py [--vakt target/debug/vakt] [--work DIR] [--only TEXT]

`--only TEXT` runs the tests whose name contains TEXT (then the count of tests
run is not checked; the modules' count still is).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


class Ctx:
    """What a test gets: the API, a vakt runner with its own vault, a scratch dir."""

    def __init__(self, api: harness.Api, vakt: Path, scratch: Path, users: list):
        self.api = api
        self.vakt_bin = vakt
        self.scratch = scratch
        self.vault = scratch / "vault"
        self._users = users
        self.pin = "4829"

    def user(self) -> str:
        return self._users.pop(0)

    def vakt(self, *args: str, check: bool = True, env: dict | None = None):
        full_env = dict(os.environ)
        full_env.update({"VAKT_PIN": self.pin, "VAKT_INSECURE_TEST_KDF": "1", "VAKT_KEYSTORE": "file"})
        full_env.update(env or {})
        p = subprocess.run([str(self.vakt_bin), "--vault", str(self.vault), *args],
                           capture_output=True, text=True, env=full_env, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"vakt {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p

    def vakt_locked(self, *args: str, check: bool = True, env: dict | None = None):
        """Runs vakt with no VAKT_PIN and stdin closed: nothing can unlock it."""
        full_env = {k: v for k, v in os.environ.items() if k != "VAKT_PIN"}
        full_env.update(env or {})
        p = subprocess.run([str(self.vakt_bin), "--vault", str(self.vault), *args],
                           capture_output=True, text=True, env=full_env, timeout=120,
                           stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            raise AssertionError(f"vakt {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p

    def init_vault(self) -> None:
        if not (self.vault / "vault.sqlite3").exists():
            self.vakt("init", "--json")

    def save_png(self, data_url: str, name: str) -> Path:
        prefix = "data:image/png;base64,"
        assert data_url.startswith(prefix), data_url[:40]
        path = self.scratch / name
        path.write_bytes(base64.b64decode(data_url[len(prefix):]))
        return path


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# How many `test_*` functions each module holds. Change with the modules.
EXPECTED_TESTS = {"test_otp_interop": 9, "test_push": 8, "test_containers": 5}


def main() -> int:
    parser = argparse.ArgumentParser()
    root = Path(__file__).resolve().parents[2]
    parser.add_argument("--vakt", default=str(root / "target" / "debug" / "vakt"))
    parser.add_argument("--work", default=None)
    parser.add_argument("--only", default=None)
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="vakt-pi-"))
    server = harness.Server(harness.venv_from_env(), work / "server")
    import test_containers
    import test_otp_interop
    import test_push

    modules = [test_otp_interop, test_push, test_containers]
    tests = {m.__name__: sorted(n for n in dir(m) if n.startswith("test_")) for m in modules}
    found = {name: len(names) for name, names in tests.items()}
    if found != EXPECTED_TESTS:
        print(f"FAILED the test modules hold {found} tests, expected {EXPECTED_TESTS}")
        return 1
    passed = failed = 0
    try:
        server.setup()
        server.start()
        api = harness.Api(server)
        api.login()
        api.setup_realm()
        users = list(harness.USERS)
        for module in modules:
            if hasattr(module, "setup_server"):
                module.setup_server(api, server)
            for name in tests[module.__name__]:
                if args.only and args.only not in name:
                    continue
                scratch = work / name
                scratch.mkdir(parents=True, exist_ok=True)
                ctx = Ctx(api, Path(args.vakt), scratch, users)
                try:
                    getattr(module, name)(ctx)
                    passed += 1
                    print(f"ok     {name}", flush=True)
                except Exception:  # noqa: BLE001 - report every failure
                    failed += 1
                    print(f"FAILED {name}\n{traceback.format_exc()}", flush=True)
    finally:
        server.stop()
    expected = sum(EXPECTED_TESTS.values())
    if passed + failed == 0 or (not args.only and passed + failed != expected):
        print(f"FAILED {passed + failed} tests ran, expected {expected if not args.only else 'some'}")
        failed = max(failed, 1)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
