#!/usr/bin/env bash
# End-to-end tests against a real privacyIDEA 3.14 on 127.0.0.1: installs it
# into .cache/pi-venv (pinned dependencies), starts it, runs the tests, stops
# it by its PID (run.py does both).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
venv=.cache/pi-venv
req=tests/privacyidea/requirements.txt
stamp="$venv/.vakt-requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/pi-manage" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing privacyIDEA 3.14 into $venv (takes a few minutes the first time)"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi
cargo build -q -p vakt
VAKT_PI_VENV="$root/$venv" "$venv/bin/python" tests/privacyidea/run.py --vakt "$root/target/debug/vakt"
