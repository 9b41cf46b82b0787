#!/usr/bin/env bash
# Fuzz smoke test: builds the cargo-fuzz targets of fuzz/ and runs each for a
# short while (VAKT_FUZZ_SECONDS, default 15), seeded with the URIs and keys of
# fixtures/uri-corpus.json. Any crash, panic, sanitizer report, time-out or
# out-of-memory (RSS and single-allocation limits, below) fails the run; the input that caused it is kept in fuzz/artifacts/TARGET/.
# So does a seeded target left without seeds (a fixture moved or renamed), or a
# target that ran no input. Prints, per target, its seeds and inputs run.
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
targets=(uri_parse keytext migration import_file backup_parse qr_image qr_frame push_message escrow_record container_code container_sync)
# Targets fuzzed from no seeds (libFuzzer starts from nothing): all others must have some.
unseeded=(qr_frame)
cargo_fuzz_version=0.13.2

# cargo finds `cargo-fuzz` on PATH or in $CARGO_HOME/bin, where `cargo install`
# puts it (kept between runs on the same machine).
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz $cargo_fuzz_version (once per machine)"
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
mkdir -p "$seeds/uri_parse" "$seeds/keytext" "$seeds/migration"
if command -v python3 >/dev/null 2>&1; then
  python3 - "$root/fixtures/uri-corpus.json" "$seeds" <<'PY'
import base64, json, sys, urllib.parse
cases = json.load(open(sys.argv[1], encoding="utf-8"))
out = sys.argv[2]
for i, case in enumerate(cases):
    uri = case["uri"]
    with open(f"{out}/uri_parse/{i:04}", "w", encoding="utf-8") as f:
        f.write(uri)
    if uri.startswith("otpauth-migration:"):
        # The migration target reads the text and the raw protobuf payload.
        with open(f"{out}/migration/{i:04}.txt", "w", encoding="utf-8") as f:
            f.write(uri)
        data = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query).get("data", [""])[0]
        try:
            payload = base64.b64decode(data + "=" * (-len(data) % 4))
        except ValueError:
            payload = b""
        if payload:
            with open(f"{out}/migration/{i:04}.bin", "wb") as f:
                f.write(payload)
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
    j=0
    IFS='&' read -ra pairs <<<"${uri#*\?}"
    for pair in "${pairs[@]}"; do
      key=${pair%%=*}
      if [ "${key,,}" = secret ] && [ "$pair" != "$key" ]; then
        value=${pair#*=}
        value=${value//+/ }
        printf '%b' "${value//%/\\x}" >"$seeds/keytext/$i-$j"
      fi
      j=$((j + 1))
    done
    i=$((i + 1))
  done < <(jq -r '.[].uri' fixtures/uri-corpus.json)
else
  echo "neither python3 nor jq: cannot read the URI seeds from fixtures/uri-corpus.json" >&2
  exit 1
fi
# Seeds for the file parsers: the real files in fixtures/ (the import target's
# first byte picks the format, in the order of import::Format::ALL).
mkdir -p "$seeds/import_file" "$seeds/backup_parse" "$seeds/escrow_record"
# Escrow: the saved record (sealed to fixtures/escrow/org.key, the key the
# target opens with) and that key file.
cp fixtures/escrow/*.vaktescrow fixtures/escrow/org.key "$seeds/escrow_record/"
for f in fixtures/qr/generated/*.txt; do
  if grep -q '^otpauth-migration:' "$f"; then cp "$f" "$seeds/migration/"; fi
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
# A missing fixture leaves its glob unexpanded: the copy fails, and so does the run.
for f in fixtures/vaults/v*/backup.vaktbkp; do
  cp "$f" "$seeds/backup_parse/$(basename "$(dirname "$f")").vaktbkp"
done
# Containers: the registration code, the synchronize answer and its decrypted
# dict recorded from privacyIDEA 3.14 (fixtures/privacyidea/containers/).
mkdir -p "$seeds/container_code" "$seeds/container_sync"
python3 - fixtures/privacyidea/containers/vectors.json "$seeds" <<'PY'
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
out = sys.argv[2]
open(f"{out}/container_code/registration", "w").write(v["registration"]["uri"])
sync = v["synchronize"]
envelope = {"result": {"status": True, "value": sync["response_value"]}}
open(f"{out}/container_sync/answer.json", "w").write(json.dumps(envelope))
open(f"{out}/container_sync/decrypted.json", "w").write(json.dumps(sync["decrypted"]))
PY
mkdir -p "$seeds/push_message"
cp fixtures/privacyidea/*_response.json "$seeds/push_message/"
mkdir -p "$seeds/qr_image"
cp fixtures/qr/generated/*.png fixtures/privacyidea/*.png "$seeds/qr_image/"
seed_count() {
  if [ -d "$seeds/$1" ]; then find "$seeds/$1" -type f | wc -l; else echo 0; fi
}
for target in "${targets[@]}"; do
  n=$(seed_count "$target")
  if [[ " ${unseeded[*]} " == *" $target "* ]]; then
    echo "seeds: $target none (fuzzed from scratch)"
  elif [ "$n" -eq 0 ]; then
    echo "seeds: $target has NO seeds: the fixtures it is seeded from are missing" >&2
    exit 1
  else
    echo "seeds: $target $n"
  fi
done

cd fuzz
cargo fmt --check
log=$(mktemp)
trap 'rm -rf "$seeds" "$log"' EXIT
if ! RUSTC_BOOTSTRAP=1 cargo fuzz build >"$log" 2>&1; then
  cat "$log"
  echo "fuzz build failed" >&2
  exit 1
fi
total=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "$seeds/$target"
  kept=$(find "corpus/$target" -type f | wc -l)
  max_len=4096
  case $target in import_file | backup_parse | qr_image | qr_frame | push_message) max_len=65536 ;; esac
  # Memory: an input of at most 64 KiB must not make any target allocate more
  # than a small multiple of it, so a blow-up fails the run (libFuzzer reports
  # out-of-memory and keeps the input). The parsers need a few MiB; 512 MiB of
  # RSS leaves room for ASan (its quarantine held to 64 MiB below) and one
  # allocation of 256 MiB or more is a bug. qr_image alone decodes pictures of
  # up to qr::MAX_PIXELS (40 Mpx), for which the decoder allows itself
  # 8 bytes a pixel + 64 MiB (384 MiB): 2048 MiB of RSS, 512 MiB in one piece.
  rss_mb=512 malloc_mb=256
  case $target in qr_image) rss_mb=2048 malloc_mb=512 ;; esac
  if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=64" \
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" "$seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb="$rss_mb" \
    -malloc_limit_mb="$malloc_mb" -max_len="$max_len" \
    -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
      tail -n 30 "$log"
      echo "fuzz $target: ran no input" >&2
      exit 1
    fi
    total=$((total + runs))
    echo "fuzz $target: $(seed_count "$target") seeds + $kept kept inputs, $runs inputs run in ${seconds}s, no crash"
  else
    tail -n 60 "$log"
    # The panic message itself (printed before the long stack trace).
    grep -m 2 -A 1 '^panicked at\|^thread .* panicked at' "$log" >&2 || true
    echo "fuzz $target: FAILED (input kept in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
done
echo "ran: ${#targets[@]} fuzz targets, $total inputs"
