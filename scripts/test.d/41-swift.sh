#!/usr/bin/env bash
# The Swift package in ios/ — uniffi's generated VaktFFI.swift, the wrapper
# (module Vakt) and every XCTest — compiled and run on Linux against the host
# build of libvakt_ffi.so, with Swift 6 from Debian 13 in a chroot:
#  1. generates the Swift bindings (scripts/bindings) and stages them with a
#     module map that links libvakt_ffi (target/swift-linux/stage);
#  2. `swift build --build-tests`: every compile error fails the step;
#  3. `swift test --enable-code-coverage`: every test runs (prints one line per
#     test and XCTest's summary); a failed test fails the step. Tests of
#     Apple-only code (ImageIO/CoreGraphics, Keychain/Secure Enclave) report
#     themselves skipped by name;
#  4. from the coverage counts of that run, every exported function, method
#     and constructor must have been called from Swift into Rust, and every
#     method of a foreign trait (Clock, DeviceKeystore, HttpTransport) called
#     from Rust into a Swift implementation, at least once.
# What still needs a Mac or a device: docs/bindings.md ("What runs where").
#
#   scripts/test.d/41-swift.sh [REPO_ROOT]
#
# Needs root. The toolchain lives in a Debian 13 root outside the repository
# (scripts/lib/swift-root.sh: /var/cache/vakt/swift-trixie, made once, about
# 2 minutes). The repository is mounted read-only in it; the build goes to
# target/swift-linux/build. The tree is never written.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
root=$(pwd -P)
started=$SECONDS

# shellcheck source=scripts/lib/swift-root.sh
. scripts/lib/swift-root.sh
ensure_swift_root
echo "Swift: $("$swift_chroot" "$swift_root" -- swift --version 2>/dev/null | head -1)"

echo "generating the Swift bindings (scripts/bindings)"
scripts/bindings --test-support --language swift >/dev/null
generated=target/bindings/swift
lib_dir=$root/target/debug
[ -f "$lib_dir/libvakt_ffi.so" ] || { echo "no $lib_dir/libvakt_ffi.so" >&2; exit 1; }

# The generated files go where the package expects them only inside the chroot
# (bind mounts over ios/Sources/VaktFFI and ios/Sources/VaktFFIFFI).
work=target/swift-linux
stage=$work/stage
rm -rf "$stage"
mkdir -p "$stage/VaktFFI" "$stage/VaktFFIFFI" "$work/build"
cp "$generated/VaktFFI.swift" ios/Sources/VaktFFI/README.md "$stage/VaktFFI/"
cp "$generated/VaktFFIFFI.h" "$stage/VaktFFIFFI/"
# uniffi's module map, less its `use "Darwin"`, plus the library to link.
sed -e '/use "Darwin"/d' -e 's/^\( *\)header "VaktFFIFFI.h"$/&\n\1link "vakt_ffi"/' \
  "$generated/VaktFFIFFI.modulemap" >"$stage/VaktFFIFFI/module.modulemap"
grep -q 'link "vakt_ffi"' "$stage/VaktFFIFFI/module.modulemap" || {
  echo "the generated module map changed shape: $generated/VaktFFIFFI.modulemap" >&2
  exit 1
}

build=$root/$work/build
link=(-Xlinker -L"$lib_dir" -Xlinker -rpath -Xlinker "$lib_dir")
swiftpm=(--package-path "$root/ios" --scratch-path "$build" --enable-code-coverage "${link[@]}")
# A target/ that is a symlink (a worktree whose CARGO_TARGET_DIR lives
# elsewhere, linked as target/) is mounted at its own path too, so that the
# link resolves inside the root.
outside=()
if [ -L "$root/target" ]; then
  outside=(--bind "$(readlink -f "$root/target")")
fi
in_root() {
  "$swift_chroot" "$swift_root" \
    --bind-ro "$root" \
    "${outside[@]}" \
    --bind-at "$root/$work" "$root/$work" \
    --bind-at "$root/$stage/VaktFFI" "$root/ios/Sources/VaktFFI" \
    --bind-at "$root/$stage/VaktFFIFFI" "$root/ios/Sources/VaktFFIFFI" \
    -- "$@"
}

echo "swift build --build-tests (ios/: VaktFFI, Vakt, VaktTests)"
log=$work/build.log
if ! in_root swift build --build-tests "${swiftpm[@]}" >"$log" 2>&1; then
  grep -E '^[^ ].*: error: ' "$log" | sort -u | head -60 >&2 || true
  echo "Swift compile FAILED ($(grep -c ' error: ' "$log" || true) errors; whole log: $log)" >&2
  exit 1
fi
echo "compiled: $(grep -c '' "$stage/VaktFFI/VaktFFI.swift") lines generated + $(cat ios/Sources/Vakt/*.swift | wc -l) wrapper + $(cat ios/Tests/VaktTests/*.swift | wc -l) test lines"

echo "swift test --enable-code-coverage"
log=$work/test.log
rm -rf "$build/debug/codecov" # counts of this run only
status=0
in_root swift test --skip-build "${swiftpm[@]}" >"$log" 2>&1 || status=$?
# One line per test (not the "started" ones), failures with their message,
# and XCTest's summary lines.
grep -E "^Test Case '.*' (passed|failed|skipped)|: error: |: Skipped|^Executed [0-9]+ test|^Test Suite 'All tests'" "$log" \
  | grep -v "^Test Suite" || true
summary=$(grep -E '^[[:space:]]*Executed [0-9]+ tests?' "$log" | tail -1 | sed 's/^[[:space:]]*//')
skipped=$(grep -E "^Test Case '.*' skipped" "$log" | sed -E "s/^Test Case '-\[?VaktTests\.([^ ]+) ([^]']+)\]?' skipped.*/\1.\2/; s/^Test Case '([^']+)' skipped.*/\1/" | tr '\n' ' ')
if [ "$status" != 0 ] || [ -z "$summary" ]; then
  tail -30 "$log" >&2
  echo "Swift tests FAILED (exit $status; whole log: $log)" >&2
  exit 1
fi
echo "$summary"
echo "skipped on Linux (they need Apple frameworks): ${skipped:-none}"

echo "what ran across the FFI, from the execution counts of that run (llvm-cov export)"
profile=$(in_root swift test --show-codecov-path "${swiftpm[@]}" 2>/dev/null | tail -1)
profdata=$(dirname "$profile")/default.profdata
binary=$(find "$build/debug/" -maxdepth 1 -name '*.xctest' | head -1)
[ -n "$binary" ] || { echo "no test binary under $build/debug" >&2; exit 1; }
[ -d "$binary" ] && binary="$binary/Contents/MacOS/$(basename "$binary" .xctest)"
coverage=$work/coverage.json
in_root /usr/libexec/swift/bin/llvm-cov export -instr-profile "$profdata" "$binary" \
  "$root/ios/Sources/VaktFFI/VaktFFI.swift" "$root"/ios/Sources/Vakt/*.swift >"$coverage"
python3 scripts/test.d/bindings_check.py executed "$coverage" \
  "$root/ios/Sources/VaktFFI/VaktFFI.swift=$stage/VaktFFI/VaktFFI.swift" "$root/ios/Sources/Vakt/" || {
  echo "Swift checks FAILED: an export no test executed (add a test in ios/Tests/VaktTests that calls it)" >&2
  exit 1
}
echo "Swift checks passed in $((SECONDS - started)) s"
