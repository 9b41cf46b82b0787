#!/usr/bin/env bash
# The CLI's device key in the OS keyring, against a real Secret Service:
# gnome-keyring-daemon (its secrets component) in a D-Bus session of its own
# (dbus-run-session), with a throwaway login keyring under a temporary
# XDG_DATA_HOME — never the user's. Runs cli/tests/keyring_cli.rs (ignored by
# a plain `cargo test`). Installs gnome-keyring and dbus when missing.
#
#   scripts/test.d/36-keyring.sh [REPO_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
if ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
  apt-get update -qq && apt-get install -y -qq gnome-keyring dbus-daemon dbus >/dev/null
fi
cargo test -q -p vakt --test keyring_cli --no-run 2>/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/session.sh" <<'SESSION'
set -euo pipefail
export XDG_DATA_HOME=$WORK/data XDG_RUNTIME_DIR=$WORK/run HOME=$WORK/home
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" "$HOME"
chmod 700 "$XDG_RUNTIME_DIR"
# A new login keyring, unlocked with a throwaway password.
printf 'throwaway' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
cd "$ROOT"
cargo test -p vakt --test keyring_cli -- --ignored --test-threads 1 2>&1
SESSION
WORK=$work ROOT=$root CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup} \
  dbus-run-session -- bash "$work/session.sh" > "$work/log" 2>&1 || status=$?
grep -v "Failed to set fd limit" "$work/log"
[ "${status:-0}" = 0 ] || exit "$status"
passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$work/log" | grep -oE '[0-9]+' | tail -1)
echo "ran: ${passed:-0} keyring tests against gnome-keyring's Secret Service"
