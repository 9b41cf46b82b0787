#!/usr/bin/env bash
# Swift bindings without a Swift compiler (none exists for this machine):
#  1. syntax: every .swift file of the repository and the generated VaktFFI.swift
#     parse with tree-sitter-swift without an ERROR or MISSING node (two known
#     grammar gaps in the generated file are rewritten first, nothing else;
#     see bindings_check.py);
#  2. contract: the generated Swift matches the built library — its uniffi
#     contract version and every API checksum it will check at start-up equal
#     what libvakt_ffi returns (called through ctypes), no exported checksum is
#     unchecked, every scaffolding function it calls is exported, and the
#     Kotlin bindings expect the same values;
#  3. every exported function is called by some XCTest in ios/Tests.
# Compiling and running the XCTests needs a Mac: ios/build-xcframework.sh, then
# `swift test` (with --macos) or `xcodebuild test` on a simulator.
#
#   scripts/test.d/41-swift.sh [REPO_ROOT]
#
# tree-sitter and tree-sitter-swift (PyPI, pinned) live in a venv under .cache/.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

venv=.cache/swift-venv
python=$venv/bin/python
if ! "$python" -c 'import tree_sitter, tree_sitter_swift' >/dev/null 2>&1; then
  echo "installing tree-sitter + tree-sitter-swift into $venv (once)"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "tree-sitter==0.26.1" "tree-sitter-swift==0.7.4"
fi
command -v nm >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils >/dev/null
}

echo "generating the Swift and Kotlin bindings (scripts/bindings)"
scripts/bindings >/dev/null
swift=target/bindings/swift/VaktFFI.swift
kotlin=target/bindings/kotlin/app/vakt/ffi/vakt_ffi.kt
check=scripts/test.d/bindings_check.py

mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.swift' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no .swift files found" >&2; exit 1; }
status=0
"$python" "$check" parse "${files[@]}" "$swift" || status=1
"$python" "$check" contract target/debug/libvakt_ffi.so "$swift" "$kotlin" || status=1
"$python" "$check" coverage "$swift" ios/Tests || status=1
if [ "$status" != 0 ]; then
  echo "Swift checks FAILED" >&2
  exit 1
fi
echo "Swift checks passed (${#files[@]} committed files + VaktFFI.swift parsed, contract matches the library)"
