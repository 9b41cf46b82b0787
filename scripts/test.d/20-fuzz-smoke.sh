#!/usr/bin/env bash
# Fuzz smoke test: builds the cargo-fuzz targets of fuzz/ and runs each for a
# short while (VAKT_FUZZ_SECONDS, default 15), seeded with the URIs and keys of
# fixtures/uri-corpus.json. Any crash, panic, sanitizer report or time-out
# fails the run; the input that caused it is kept in fuzz/artifacts/TARGET/.
#
#   scripts/test.d/20-fuzz-smoke.sh [REPO_ROOT]     (scripts/test passes the root)
#
# cargo-fuzz needs nightly compiler flags (-Z sanitizer, coverage passes). On the
# stable toolchain they are enabled for these commands alone with
# RUSTC_BOOTSTRAP=1; nothing else in the project uses them.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
seconds=${VAKT_FUZZ_SECONDS:-15}
targets=(uri_parse keytext migration import_file backup_parse qr_image qr_frame push_message)
cargo_fuzz_version=0.13.2

# cargo finds `cargo-fuzz` on PATH or in $CARGO_HOME/bin, where `cargo install`
# puts it (kept between runs on the same machine).
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz $cargo_fuzz_version (once per machine)"
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/uri_parse" "$seeds/keytext"
if command -v python3 >/dev/null 2>&1; then
  python3 - "$root/fixtures/uri-corpus.json" "$seeds" <<'PY'
import json, sys, urllib.parse
cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = sys.argv[2]
for i, case in enumerate(cases):
    uri = case["uri"]
    with open(f"{out}/uri_parse/{i:04}", "w", encoding="utf-8") as f:
        f.write(uri)
    query = uri.split("?", 1)[1] if "?" in uri else ""
    for j, pair in enumerate(query.split("&")):
        key, _, value = pair.partition("=")
        if key.lower() == "secret":
            with open(f"{out}/keytext/{i:04}-{j}", "w", encoding="utf-8") as f:
                f.write(urllib.parse.unquote(value.replace("+", " ")))
PY
elif command -v jq >/dev/null 2>&1; then
  i=0
  while IFS= read -r uri; do
    printf '%s' "$uri" >"$seeds/uri_parse/$i"
    i=$((i + 1))
  done < <(jq -r '.[].uri' fixtures/uri-corpus.json)
else
  echo "neither python3 nor jq: fuzzing without the corpus seeds" >&2
fi
# Seeds for the file parsers: the real files in fixtures/ (the import target's
# first byte picks the format, in the order of import::Format::ALL).
mkdir -p "$seeds/migration" "$seeds/import_file" "$seeds/backup_parse"
for f in fixtures/migration/*.txt; do
  [ -e "$f" ] && cp "$f" "$seeds/migration/"
done
imports=fixtures/imports/aegis
seed_import() { { printf "\\$(printf '%03o' "$1")"; cat "$imports/$2"; } >"$seeds/import_file/$2"; }
seed_import 0 aegis_plain.json
seed_import 0 aegis_encrypted.json
seed_import 1 2fas_authenticator_plain_v4.2fas
seed_import 2 andotp_plain.json
seed_import 3 freeotp_plus.json
seed_import 3 freeotp_v2_api34.xml
seed_import 4 bitwarden.json
seed_import 4 bitwarden.csv
seed_import 5 authy_plain.xml
seed_import 6 ente_auth.txt
cp fixtures/vaults/v*/backup.vaktbkp "$seeds/backup_parse/" 2>/dev/null || true
mkdir -p "$seeds/push_message"
cp fixtures/privacyidea/*_response.json "$seeds/push_message/" 2>/dev/null || true
mkdir -p "$seeds/qr_image"
cp fixtures/qr/generated/*.png fixtures/privacyidea/*.png "$seeds/qr_image/" 2>/dev/null || true
echo "seeds: $(ls "$seeds/uri_parse" | wc -l) URIs, $(ls "$seeds/keytext" | wc -l) keys, $(ls "$seeds/import_file" | wc -l) export files, $(ls "$seeds/backup_parse" | wc -l) backups"

cd fuzz
cargo fmt --check
log=$(mktemp)
trap 'rm -rf "$seeds" "$log"' EXIT
if ! RUSTC_BOOTSTRAP=1 cargo fuzz build >"$log" 2>&1; then
  cat "$log"
  echo "fuzz build failed" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "$seeds/$target"
  max_len=4096
  case $target in import_file | backup_parse | qr_image | qr_frame | push_message) max_len=65536 ;; esac
  if RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" "$seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
    -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz $target: ${runs:-?} inputs in ${seconds}s, no crash"
  else
    tail -n 60 "$log"
    echo "fuzz $target: FAILED (input kept in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
done
