#!/usr/bin/env bash
# The live code view (`vakt codes --watch`) in a real terminal: tmux runs it
# in a detached 100×12 pane, keys are sent with send-keys and the screen read
# with capture-pane. Checks the codes and countdown, the filter, an HOTP code
# made with Enter (and its counter committed), quitting (the terminal
# restored) and the idle lock. Installs tmux when it is missing.
#
#   scripts/test.d/35-live-view.sh [REPO_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
if ! command -v tmux >/dev/null; then
  apt-get update -qq && apt-get install -y -qq tmux >/dev/null
fi
cargo build -q -p vakt
vakt=$root/target/debug/vakt
work=$(mktemp -d)
sock=$work/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
export VAKT_VAULT=$work/vault VAKT_PIN=4829 VAKT_INSECURE_TEST_KDF=1 VAKT_KEYSTORE=file
"$vakt" init >/dev/null
# RFC 6238's and RFC 4226's test keys.
VAKT_URI='otpauth://totp/GitHub:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub' "$vakt" add >/dev/null
VAKT_URI='otpauth://hotp/Bank:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Bank&counter=0' "$vakt" add >/dev/null

checks=0
pass() { checks=$((checks + 1)); echo "ok $1"; }
fail() { echo "FAIL $1" >&2; echo "--- screen:" >&2; cat "$work/screen" >&2; exit 1; }
capture() { sleep "${1:-0.8}"; tmux -S "$sock" capture-pane -p -t live > "$work/screen"; }
has() { grep -qF -- "$1" "$work/screen"; }

# A view started at t = 40 s runs on from there: the code of the window 30–59 s.
expected=$(VAKT_URI='otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' "$vakt" code --at 40)
grouped="${expected:0:3} ${expected:3:3}"
tmux -S "$sock" new-session -d -s live -x 100 -y 12 \
  "env VAKT_VAULT='$VAKT_VAULT' VAKT_PIN=4829 '$vakt' codes --watch --at 40; echo view-ended; sleep 30"
capture 1.5
has "vakt · 2 accounts" || fail "the header counts the accounts"
has "GitHub" && has "$grouped" || fail "the TOTP code $grouped is shown"
grep -qE '[█░]+ +[0-9]+s' "$work/screen" || fail "a countdown bar with seconds"
has "Enter: a code" || fail "the HOTP row has no code until asked"
pass "codes, countdown and the HOTP row on the screen"
cp "$work/screen" "$work/first-screen"

tmux -S "$sock" send-keys -t live B a n k
capture
has "1 of 2 accounts · filter: Bank" || fail "typing filters"
has "GitHub" && fail "the filter hides GitHub"
pass "typing filters the rows"

tmux -S "$sock" send-keys -t live Enter
capture
has "755 224" || fail "Enter makes the HOTP code (RFC 4226 counter 0: 755224)"
pass "Enter makes and shows the next HOTP code"

tmux -S "$sock" send-keys -t live Escape
capture
has "vakt · 2 accounts · filter: ▏" || fail "Esc clears the filter"
pass "Esc clears the filter"

tmux -S "$sock" send-keys -t live C-c
capture
has "view-ended" || fail "Ctrl-C leaves the view"
has "vakt ·" && fail "the terminal is restored (the view's screen is gone)"
pass "Ctrl-C quits and restores the terminal"
tmux -S "$sock" kill-session -t live

counter=$("$vakt" list --json | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin) if a["issuer"]=="Bank"][0]["counter"])')
[ "$counter" = 1 ] || { echo "FAIL the HOTP counter is committed (counter $counter)" >&2; exit 1; }
pass "the HOTP counter was committed (now 1)"

tmux -S "$sock" new-session -d -s live -x 100 -y 12 \
  "env VAKT_VAULT='$VAKT_VAULT' VAKT_PIN=4829 '$vakt' codes --watch --idle-lock 2; sleep 30"
capture 4
has "locked after 2 s without a key" || fail "the idle lock leaves the view"
pass "the view locks itself after the idle time"

echo "--- the view at 40 s (for README):"
sed 's/[[:space:]]*$//' "$work/first-screen" | sed '/^$/d'
echo "ran: $checks live-view checks in tmux"
