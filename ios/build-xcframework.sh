#!/usr/bin/env bash
# Builds ios/VaktFFIFFI.xcframework — libvakt_ffi.a for iPhone (arm64) and for
# the simulators (arm64 + x86_64, one fat library) with the C header and module
# map — and writes the generated Swift to ios/Sources/VaktFFI/VaktFFI.swift.
#
#   ios/build-xcframework.sh [--profile NAME] [--macos]
#
#   --profile NAME   Cargo profile (default release; release-small for size)
#   --macos          also a macOS slice (arm64 + x86_64), so `swift test` runs
#                    the XCTests on the Mac itself without a simulator
#
# Needs macOS with Xcode (xcodebuild, lipo) and Rust via rustup; the targets
# are added if missing. Then: `swift build` / `swift test` here, or add the
# package to an Xcode project.
set -euo pipefail
ios=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$ios")
profile=release
macos=0
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=${2:?--profile needs a name}; shift ;;
    --macos) macos=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 1; }
profile_dir=$profile
[ "$profile" = dev ] && profile_dir=debug

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
macs=(aarch64-apple-darwin x86_64-apple-darwin)
targets=("$device" "${simulators[@]}")
[ "$macos" = 1 ] && targets+=("${macs[@]}")

cd "$root"
rustup target add "${targets[@]}" >/dev/null
# The same minimum OS versions as Package.swift.
export IPHONEOS_DEPLOYMENT_TARGET=15.0 MACOSX_DEPLOYMENT_TARGET=12.0
for target in "${targets[@]}"; do
  echo "building libvakt_ffi.a for $target ($profile)"
  cargo build --quiet --locked -p vakt-ffi --lib --profile "$profile" --target "$target"
done

work=target/xcframework/$profile_dir
rm -rf "$work"
mkdir -p "$work/headers" "$work/ios-simulator" "$work/macos"
lib() { echo "target/$1/$profile_dir/libvakt_ffi.a"; }
lipo -create "$(lib "${simulators[0]}")" "$(lib "${simulators[1]}")" -output "$work/ios-simulator/libvakt_ffi.a"
[ "$macos" = 1 ] && lipo -create "$(lib "${macs[0]}")" "$(lib "${macs[1]}")" -output "$work/macos/libvakt_ffi.a"

# Swift, header and module map, generated from the host build of the same
# sources by the pinned uniffi-bindgen.
scripts/bindings --profile "$profile" --out-dir "$work/bindings" --language swift >/dev/null
cp "$work/bindings/swift/VaktFFIFFI.h" "$work/headers/"
cp "$work/bindings/swift/VaktFFIFFI.modulemap" "$work/headers/module.modulemap"
cp "$work/bindings/swift/VaktFFI.swift" "$ios/Sources/VaktFFI/VaktFFI.swift"

args=(-library "$(lib "$device")" -headers "$work/headers"
  -library "$work/ios-simulator/libvakt_ffi.a" -headers "$work/headers")
[ "$macos" = 1 ] && args+=(-library "$work/macos/libvakt_ffi.a" -headers "$work/headers")
rm -rf "$ios/VaktFFIFFI.xcframework"
xcodebuild -create-xcframework "${args[@]}" -output "$ios/VaktFFIFFI.xcframework"
echo "wrote ios/VaktFFIFFI.xcframework and ios/Sources/VaktFFI/VaktFFI.swift"
