#!/usr/bin/env bash
# The Android wrapper against Android's own API, without the Android SDK:
#
#  1. Compiles every file of android/vakt/src/main/kotlin and the generated
#     bindings with kotlinc -no-jdk against the platform of minSdk (API 26) —
#     android.* and java.* exactly as API 26 has them: the public API listed by
#     the Animal Sniffer signature of API 26 (androidscents), the classes taken
#     from Robolectric's android-all of that level and from the JDK, each
#     stripped to what the signature lists (scripts/lib/PlatformJar.java). Any
#     newer API fails the build, as Lint's NewApi would. Code that needs a newer
#     level lives in ApiNN.kt files, compiled against level NN, reachable only
#     through a value made after checking SDK_INT (checked here); the generated
#     bindings' one newer class (java.lang.ref.Cleaner, behind uniffi's own
#     Class.forName guard, checked here) gets a stub.
#  2. Compiles them all once more against compileSdk (API 35: android-all 35 and
#     the JDK's java.base).
#  3. Checks the JNA AAR the Gradle build declares: its 64-bit libraries load
#     with 16 KB memory pages.
#  4. Runs src/robolectricTest under Robolectric (JUnit 4, no Gradle, offline):
#     AndroidImages on API 35 with native graphics (also as API 27) — the
#     platform's real BitmapFactory / ImageDecoder into the host library's FFI
#     (JNA) — and AndroidDeviceKeystore on API 26 and 35 over a stand-in
#     AndroidKeyStore provider.
#
# Prints the files compiled per API level, one line per test and
# `N passed, M failed`; exits non-zero on any failure.
#
#   scripts/test.d/42-android.sh [REPO_ROOT] [-- TEST_CLASS_FILTER…]
#
# Installs what is missing: kotlinc and JNA as 40-kotlin.sh does
# (scripts/lib/kotlin-env.sh), Maven (Debian), and from Maven Central (kept in
# /var/cache/vakt/maven): Robolectric, android-all of API 26, 28 and 35, the API
# 26 signature. Built jars are cached under target/android/ by content hash.
# PLATFORM_JAR_VERBOSE=1 lists what the API-26 signature names that no source has.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  root=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
cd "$root"
started=$SECONDS

module=android/vakt
out=target/android
lib=.cache/android/lib
# shellcheck source=scripts/lib/kotlin-env.sh
. scripts/lib/kotlin-env.sh

robolectric_version=4.17
# android-all per API level; Robolectric 4.17 runs tests on the instrumented
# ones of 26 and 35 (the names its offline mode looks for).
android_26=android-all-instrumented-8.0.0_r4-robolectric-r1-i7
android_28=android-all-9-robolectric-4913185-2
android_35=android-all-instrumented-15-robolectric-13954326-i7
signature_26=android-api-level-26-8.0.0_r2
maven_fetch "$lib" \
  "org.robolectric:robolectric:$robolectric_version" \
  junit:junit:4.13.2 \
  alone:org.robolectric:android-all-instrumented:8.0.0_r4-robolectric-r1-i7 \
  alone:org.robolectric:android-all:9-robolectric-4913185-2 \
  alone:org.robolectric:android-all-instrumented:15-robolectric-13954326-i7 \
  alone:net.sf.androidscents.signature:android-api-level-26:8.0.0_r2:signature \
  alone:org.codehaus.mojo:animal-sniffer:1.24 \
  "alone:net.java.dev.jna:jna:$jna_version:aar"
for aar in "$lib"/*.aar; do
  [ -f "${aar%.aar}.jar" ] || unzip -p "$aar" classes.jar >"${aar%.aar}.jar"
done

echo "generating the Kotlin bindings (scripts/bindings)"
scripts/bindings --test-support --language kotlin >/dev/null
generated=target/bindings/kotlin/app/vakt/ffi/vakt_ffi.kt

# --- the platforms ------------------------------------------------------------
mkdir -p "$out"
asm=$(ls "$lib"/asm-[0-9]*.jar | head -1)
tool_cp="$asm:$lib/animal-sniffer-1.24.jar"
platform() { # OUT MODE ARGS…: PlatformJar, redone when its inputs change
  local jar=$1 stamp
  shift
  stamp=$(cat scripts/lib/PlatformJar.java <(java -version 2>&1) <(echo "$*") | sha256sum | cut -c1-16)
  if [ "$(cat "$jar.stamp" 2>/dev/null)" != "$stamp" ]; then
    java -cp "$tool_cp" scripts/lib/PlatformJar.java "$@"
    echo "$stamp" >"$jar.stamp"
  fi
}
platform "$out/platform-26.jar" api "$lib/$signature_26.signature" "$out/platform-26.jar" jrt "$lib/$android_26.jar"
platform "$out/jdk-base.jar" jdk "$out/jdk-base.jar"
platform "$out/android-35.jar" uninstrument "$out/android-35.jar" "$lib/$android_35.jar"
# Newer classes the generated bindings name behind their own guard (checked below).
platform "$out/generated-guarded-26.jar" classes "$out/generated-guarded-26.jar" jrt \
  java/lang/ref/Cleaner 'java/lang/ref/Cleaner$Cleanable'
api_26="$out/platform-26.jar"
# API 28: android.* of android-all 28 (the implementation jar: no signature of
# level 28 is at hand, so @hide members would compile); java.* as at 26.
api_28="$lib/$android_28.jar:$out/platform-26.jar"
api_35="$out/jdk-base.jar:$out/android-35.jar"

# --- the guards -----------------------------------------------------------------
python3 scripts/lib/android_api_check.py generated "$generated"
mapfile -t guarded < <(find "$module/src/main/kotlin" -name 'Api[0-9]*.kt' | sort)
mapfile -t wrapper < <(find "$module/src/main/kotlin" -name '*.kt' ! -name 'Api[0-9]*.kt' | sort)
for file in "${guarded[@]}"; do
  level=$(basename "$file" .kt)
  level=${level#Api}
  [ "$level" = 28 ] || { echo "$file: no android-all of API $level here; add it to $0" >&2; exit 1; }
  python3 scripts/lib/android_api_check.py guarded-file "$file" "$level"
done

# --- compile at minSdk, at the guarded levels, at compileSdk --------------------
android_flags="-no-jdk -module-name vakt"
compile_with "$android_flags" "$out/generated-26.jar" "$api_26:$out/generated-guarded-26.jar:$jna" "$generated"
compile_with "$android_flags" "$out/guarded-28.jar" "$api_28:$jna" "${guarded[@]}"
compile_with "$android_flags -Xfriend-paths=$out/guarded-28.jar" "$out/wrapper-26.jar" \
  "$api_26:$out/generated-26.jar:$out/guarded-28.jar:$jna:$coroutines" "${wrapper[@]}"
compile_with "$android_flags" "$out/main-35.jar" "$api_35:$jna:$coroutines" "$generated" "${guarded[@]}" "${wrapper[@]}"
echo "API 26 (minSdk): $((1 + ${#wrapper[@]})) files (the generated bindings + ${#wrapper[@]} of $module/src/main/kotlin)"
echo "API 28: ${#guarded[@]} files (${guarded[*]##*/}, reachable only on API 28+)"
echo "API 35 (compileSdk): $((1 + ${#guarded[@]} + ${#wrapper[@]})) files (all of them)"

# --- JNA on 16 KB pages -----------------------------------------------------------
echo "JNA $jna_version (android/vakt/build.gradle.kts), its AAR's libraries:"
python3 scripts/lib/elf_page_size.py "$lib/jna-$jna_version.aar"

# --- Robolectric ------------------------------------------------------------------
mapfile -t tests < <(find "$module/src/robolectricTest/kotlin" -name '*.kt' | sort)
runtime=$(find "$lib" -name '*.jar' ! -name 'android-all*' ! -name "jna-*" ! -name 'animal-sniffer*' | sort | tr '\n' ':')
runtime=${runtime%:}
compile_with "-module-name vakt -Xfriend-paths=$out/main-35.jar" "$out/robolectric-tests.jar" \
  "$out/main-35.jar:$out/android-35.jar:$jna:$coroutines:$kotlin_test:$runtime" "${tests[@]}"

# compileSdk's stubs on the class path, as android.jar is in a Gradle build:
# JUnit reads the test classes' annotations (which name android classes)
# outside the sandbox, and Robolectric's shadows name classes of later levels
# than the sandbox's. Each sandbox loads the real classes of its level first.
status=0
java -Xmx2g -Djna.library.path="$root/target/debug" \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  -Drobolectric.offline=true -Drobolectric.dependency.dir="$root/$lib" \
  -Drobolectric.logging.enabled=false \
  -cp "$out/robolectric-tests.jar:$out/main-35.jar:$jna:$coroutines:$kotlin_test:$kotlin_stdlib:$runtime:$out/android-35.jar" \
  app.vakt.RobolectricMainKt "$@" || status=$?
echo "42-android.sh: $((SECONDS - started)) s"
exit "$status"
