#!/usr/bin/env bash
# The core on the phones' CPUs: vakt-core's tests (unit and integration) and
# vakt-ffi's, built for 64-bit ARM (aarch64-unknown-linux-gnu) and 32-bit ARM
# (armv7-unknown-linux-gnueabihf) and run under qemu-user; then the phone
# library (vakt-ffi, profile release-small) built for both, stripped, and held
# to the host build's size budget (45-library-size.sh). The Linux GNU targets
# stand in for Android's arm64-v8a and armeabi-v7a until an NDK can be had
# (docs/bindings.md, "What runs where"): the same CPUs, word sizes and
# alignment, another C library.
#
#   scripts/test.d/50-cross-arch.sh [REPO_ROOT]     (scripts/test passes the root)
#
# Installs what it needs (once per machine): the two rustup targets, and from
# Debian the cross compilers, their C libraries and qemu-user. Linkers and
# runners are set here through cargo's environment variables, so host builds
# are not affected; both architectures share the one target directory (each
# builds under target/TRIPLE/).
#
# Tests that cannot run under emulation are skipped by name below, each with
# its reason, and the run prints them; every other test must pass.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
target_dir=${CARGO_TARGET_DIR:-target}
# The one budget, read from the host's size check.
budget=$(sed -n 's/^budget=\([0-9][0-9]*\)$/\1/p' scripts/test.d/45-library-size.sh)
if [ -z "$budget" ]; then
  echo "no budget=N line in scripts/test.d/45-library-size.sh" >&2
  exit 1
fi

# triple, GNU tool prefix, qemu, ELF machine (readelf -h), Android ABI it stands in for
arches=(
  "aarch64-unknown-linux-gnu aarch64-linux-gnu qemu-aarch64 AArch64 arm64-v8a"
  "armv7-unknown-linux-gnueabihf arm-linux-gnueabihf qemu-arm ARM armeabi-v7a"
)

# Tests skipped under emulation, one entry each: the exact name as libtest
# prints it, a space, and why (printed, and said in docs/bindings.md). None
# today, e.g. "vault::tests::some_test it needs a tool the emulator lacks".
skips=(
)

# --- what it needs ----------------------------------------------------------
installed=$(rustup target list --installed)
for spec in "${arches[@]}"; do
  read -r triple _ <<<"$spec"
  if ! grep -qx "$triple" <<<"$installed"; then
    echo "adding the Rust target $triple (rustup, once)"
    rustup target add "$triple"
  fi
done
packages=(qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross)
missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian, once)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for spec in "${arches[@]}"; do
  read -r triple prefix qemu _ <<<"$spec"
  upper=$(tr 'a-z-' 'A-Z_' <<<"$triple")
  lower=${triple//-/_}
  export "CARGO_TARGET_${upper}_LINKER=$prefix-gcc"
  export "CARGO_TARGET_${upper}_RUNNER=$qemu -L /usr/$prefix"
  # The C in ring and SQLite.
  export "CC_$lower=$prefix-gcc" "AR_$lower=$prefix-ar"
done

# Emulated code runs several times slower: the tests that bound how long
# hostile input may take scale their bounds by this (core/src/test_time.rs).
export VAKT_TEST_TIME_SCALE=${VAKT_TEST_TIME_SCALE:-20}

skip_args=()
if [ ${#skips[@]} -gt 0 ]; then
  echo "skipped under emulation (by name; docs/bindings.md):"
  for entry in "${skips[@]}"; do
    name=${entry%% *}
    echo "  $name: ${entry#* }"
    skip_args+=(--skip "$name")
  done
fi

logs=$(mktemp -d)
stripped=$(mktemp)
trap 'rm -rf "$logs" "$stripped"' EXIT

# --- the tests --------------------------------------------------------------
total=0
summary=()
for spec in "${arches[@]}"; do
  read -r triple prefix qemu _ <<<"$spec"
  echo "--- cargo test -p vakt-core -p vakt-ffi --target $triple (under $qemu; time bounds x$VAKT_TEST_TIME_SCALE)"
  start=$SECONDS
  out=$logs/$triple.out
  status=0
  cargo test --locked --no-fail-fast -p vakt-core -p vakt-ffi --target "$triple" \
    -- --exact "${skip_args[@]}" 2>&1 | tee "$out" || status=$?
  [ "$status" = 0 ] || { echo "$triple: the tests failed (above)" >&2; exit "$status"; }
  passed=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
  ignored=$(sed -n 's/^test result: ok\. .* \([0-9]*\) ignored.*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
  filtered=$(sed -n 's/^test result: ok\. .* \([0-9]*\) filtered out.*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
  binaries=$(grep -c '^test result: ok\.' "$out" || true)
  if [ "$passed" -eq 0 ]; then
    echo "$triple: no test passed" >&2
    exit 1
  fi
  total=$((total + passed))
  summary+=("$(printf '%-32s %5d passed, 0 failed, %d ignored, %d skipped by name; %d test binaries; %4ds' \
    "$triple" "$passed" "$ignored" "$filtered" "$binaries" $((SECONDS - start)))")
done

# --- the phone library ------------------------------------------------------
over=0
for spec in "${arches[@]}"; do
  read -r triple prefix _ machine abi <<<"$spec"
  echo "--- cargo build -p vakt-ffi --lib --profile release-small --target $triple"
  cargo build --quiet --locked -p vakt-ffi --lib --profile release-small --target "$triple"
  lib=$target_dir/$triple/release-small/libvakt_ffi.so
  # The library is for the CPU it claims: a host build in its place would
  # make the size below meaningless.
  if ! "$prefix-readelf" -h "$lib" | grep -Eq "Machine:[[:space:]]+$machine\$"; then
    echo "$lib is not an $machine library:" >&2
    "$prefix-readelf" -h "$lib" >&2 || true
    exit 1
  fi
  "$prefix-strip" --strip-all -o "$stripped" "$lib"
  size=$(stat -c %s "$stripped")
  line=$(awk -v t="$triple" -v a="$abi" -v s="$size" -v b="$budget" \
    'BEGIN { printf "libvakt_ffi.so %-30s (for %-11s) release-small, stripped: %8d bytes (%.2f MB); budget %d", t, a, s, s / 1e6, b }')
  if [ "$size" -gt "$budget" ]; then
    line="$line: OVER by $((size - budget)) bytes"
    over=$((over + 1))
  fi
  summary+=("$line")
done

echo "--- summary"
printf '%s\n' "${summary[@]}"
if [ "$over" -gt 0 ]; then
  echo "$over phone libraries over the size budget" >&2
  exit 1
fi
echo "ran: $total tests passed under qemu-user (aarch64 and armv7), ${#skips[@]} skipped by name; 2 phone libraries within the size budget"
