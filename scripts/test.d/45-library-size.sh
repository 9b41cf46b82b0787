#!/usr/bin/env bash
# The phone library's size budget: vakt-ffi built with the size profile
# (release-small: opt-level "s", fat LTO, one codegen unit, panic = unwind) for
# this host, stripped as an APK build strips it, must be at most 3,000,000
# bytes. Also checks that crates meant for the CLI only (image codecs, RSA key
# generation, the HTTP client) stay out of it, and that the trimmed SQLite
# (.cargo/config.toml) left no SQLite function the library calls undefined — a
# shared library links with undefined symbols and fails only when loaded.
# docs/bindings.md has the breakdown and how to read it.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
budget=3000000

cargo build --quiet --locked -p vakt-ffi --lib --profile release-small
lib=target/release-small/libvakt_ffi.so
stripped=$(mktemp)
symbols=$(mktemp)
trap 'rm -f "$stripped" "$symbols"' EXIT
strip --strip-all -o "$stripped" "$lib"
size=$(stat -c %s "$stripped")

status=0
undefined=$(nm -D --undefined-only "$lib" | awk '{print $NF}' | grep -i '^sqlite3' || true)
if [ -n "$undefined" ]; then
  echo "SQLite functions the library calls but the trimmed SQLite lacks: $undefined" >&2
  status=1
fi
# Crates the phone library must not contain (their features are off for it).
nm --demangle=rust "$lib" >"$symbols"
for crate in image zune_jpeg image_webp png num_bigint_dig rsa ureq rustls; do
  if grep -Eq "[ <]${crate}::" "$symbols"; then
    echo "the phone library contains code of \`$crate\`, which it should not link" >&2
    status=1
  fi
done
awk -v s="$size" -v b="$budget" \
  'BEGIN { printf "libvakt_ffi.so (release-small, stripped): %d bytes (%.2f MB); budget %d bytes\n", s, s / 1e6, b }'
if [ "$size" -gt "$budget" ]; then
  echo "over the size budget by $((size - budget)) bytes" >&2
  status=1
fi
exit "$status"
