#!/usr/bin/env bash
# The phone library's size budget: vakt-ffi built with the size profile
# (release-small: opt-level "s", fat LTO, one codegen unit, panic = unwind) for
# this host, stripped as an APK build strips it, must be at most 3,200,000
# bytes (3,000,000 until privacyIDEA containers: docs/bindings.md). Also
# checks that crates meant for the CLI only (image codecs, RSA key generation,
# P-384 container keys, the HTTP client) stay out of it, and that the trimmed SQLite
# (.cargo/config.toml) left no SQLite function the library calls undefined — a
# shared library links with undefined symbols and fails only when loaded —
# and that the test doors (feature test-support) are not exported.
# docs/bindings.md has the breakdown and how to read it.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
budget=3200000

cargo build --quiet --locked -p vakt-ffi --lib --profile release-small
lib=target/release-small/libvakt_ffi.so
stripped=$(mktemp)
symbols=$(mktemp)
trap 'rm -f "$stripped" "$symbols"' EXIT
strip --strip-all -o "$stripped" "$lib"
size=$(stat -c %s "$stripped")

status=0
# Every nm below must succeed: a failing nm is a failure, never "nothing found".
if ! nm -D --undefined-only "$lib" >"$symbols"; then
  echo "nm -D --undefined-only failed on $lib" >&2
  exit 1
fi
# Positive control: the library calls the C library, so a working nm lists it.
if ! grep -Eq ' (malloc|free)(@|$)' "$symbols"; then
  echo "nm -D lists no malloc/free among the undefined symbols of $lib: nm or the library is not what this check expects" >&2
  exit 1
fi
undefined=$(awk '{print $NF}' "$symbols" | grep -i '^sqlite3' || true)
if [ -n "$undefined" ]; then
  echo "SQLite functions the library calls but the trimmed SQLite lacks: $undefined" >&2
  status=1
fi
# Crates the phone library must not contain (their features are off for it),
# and, as a positive control for the same search, crates it must contain: a
# broken nm, a change in demangling or a renamed crate cannot make "absent"
# trivially true.
if ! nm --demangle=rust "$lib" >"$symbols"; then
  echo "nm --demangle=rust failed on $lib" >&2
  exit 1
fi
has_crate() { grep -Eq "[ <]$1::" "$symbols"; }
for crate in vakt_core vakt_ffi rxing rusqlite uniffi_core; do
  if ! has_crate "$crate"; then
    echo "no symbol of \`$crate\` found in $lib, which must contain it: the search below would prove nothing" >&2
    exit 1
  fi
done
absent=(image zune_jpeg image_webp png num_bigint_dig rsa ureq rustls p384 primeorder elliptic_curve ecdsa)
present=0
for crate in "${absent[@]}"; do
  if has_crate "$crate"; then
    echo "the phone library contains code of \`$crate\`, which it should not link" >&2
    present=$((present + 1))
    status=1
  fi
done
echo "$(wc -l <"$symbols") symbols: the 5 crates that must be there found; $present of the ${#absent[@]} that must not"
# No test doors in the shipped library (vakt-ffi's feature test-support): its
# exports are dynamic symbols; the positive control is an export every build has.
if ! nm -D --defined-only "$lib" >"$symbols"; then
  echo "nm -D --defined-only failed on $lib" >&2
  exit 1
fi
if ! grep -q 'uniffi_vakt_ffi_fn_func_system_clock$' "$symbols"; then
  echo "the export system_clock is not among the library's symbols: the test-door search below would prove nothing" >&2
  exit 1
fi
# The doors: the functions software_keystore and test_support_*, and every
# scaffolding function of the fake privacyIDEA's objects (FakePrivacyIdea,
# FakeChallenge: constructor, methods, clone, free).
doors=$(grep -E 'uniffi_vakt_ffi_fn_(func_(software_keystore|test_support_[a-z_]+)|(constructor|method|clone|free)_fake(privacyidea|challenge)(_[a-z_]+)?)$' "$symbols" | awk '{print $NF}' || true)
if [ -n "$doors" ]; then
  echo "the phone library exports test doors: $doors" >&2
  status=1
fi
echo "test doors exported: $(printf '%s' "$doors" | grep -c . || true) (system_clock found as the control)"
awk -v s="$size" -v b="$budget" \
  'BEGIN { printf "libvakt_ffi.so (release-small, stripped): %d bytes (%.2f MB); budget %d bytes\n", s, s / 1e6, b }'
if [ "$size" -gt "$budget" ]; then
  echo "over the size budget by $((size - budget)) bytes" >&2
  status=1
fi
[ "$status" = 0 ] && echo "ran: 4 library checks (size, undefined SQLite, $((5 + ${#absent[@]})) crates, test doors)"
exit "$status"
