#!/usr/bin/env bash
# Supply chain: `cargo deny check` against deny.toml — licences, bans (one
# version of each crate unless an exception says why), sources (crates.io
# only) and security advisories (every accepted one listed with its reason).
#
#   scripts/test.d/15-supply-chain.sh [REPO_ROOT]
#
# The advisory database is a git repository on github.com. Where it cannot be
# fetched (a machine that reaches only package registries), the advisories
# check is run against VAKT_ADVISORY_DB (a checkout of rustsec/advisory-db) if
# given, else it is reported as NOT checked — loudly, and counted out of the
# total, never as passed.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
cargo_deny_version=0.20.2

if ! cargo deny --version 2>/dev/null | grep -q "$cargo_deny_version"; then
  echo "installing cargo-deny $cargo_deny_version (once per machine)"
  cargo install cargo-deny --version "$cargo_deny_version" --locked
fi

cargo deny --locked check licenses bans sources
checks=3

db=${VAKT_ADVISORY_DB:-}
if [ -z "$db" ] && timeout 120 cargo deny --locked fetch db >/dev/null 2>&1; then
  cargo deny --locked check advisories
  checks=$((checks + 1))
elif [ -n "$db" ]; then
  # A copy of deny.toml whose database folder is ours, holding a clone of the
  # given checkout where cargo-deny looks for the default database; checked
  # offline (no fetch).
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  sed "s|^\[advisories\]|[advisories]\ndb-path = \"$work/db\"|" deny.toml >"$work/deny.toml"
  where=$(cargo deny --locked --offline -L debug --config "$work/deny.toml" check advisories 2>&1 |
    sed -n "s/.*Opening advisory database at '\([^']*\)'.*/\1/p" | head -1 || true)
  [ -n "$where" ] || { echo "cargo-deny did not say where it reads the database" >&2; exit 1; }
  git clone --quiet "$db" "$where"
  echo "advisory database: $(git -C "$where" log -1 --format='%h of %cs') (from $db)"
  cargo deny --locked --offline --config "$work/deny.toml" check advisories
  checks=$((checks + 1))
else
  echo "WARNING: advisories NOT checked: the advisory database (github.com/rustsec/advisory-db)"
  echo "         cannot be fetched from this machine; set VAKT_ADVISORY_DB to a checkout of it."
fi
echo "ran: $checks cargo-deny checks passed"
