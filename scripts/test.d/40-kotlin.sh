#!/usr/bin/env bash
# Kotlin bindings on the desktop JVM: generates the uniffi Kotlin for the host
# build of libvakt_ffi, compiles it with the pure-Kotlin wrapper
# (android/vakt/src/main/kotlin, minus files that need android.jar) and the
# tests in android/vakt/src/jvmTest, and runs them against target/debug.
# Prints one line per test and `N passed, M failed`; exits non-zero if any
# test failed, or if an exported function is not called by any test.
#
#   scripts/test.d/40-kotlin.sh [REPO_ROOT] [-- TEST_FILTER…]
#
# Installs what is missing: a JDK and JNA from Debian, kotlinc from the npm
# package kotlin-compiler (unpacked under .cache/, kept between runs).
# Compiled jars are cached under target/kotlin-jvm/ by the hash of their sources.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
shift || true
[ "${1:-}" = "--" ] && shift
cd "$root"

kotlin_version=2.4.20
cache=.cache/kotlin
kotlinc=$cache/kotlin-compiler-$kotlin_version/package/bin/kotlinc
klib=$cache/kotlin-compiler-$kotlin_version/package/lib
out=target/kotlin-jvm
module=android/vakt

apt_install() {
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v javac >/dev/null 2>&1 || { echo "installing a JDK (Debian)"; apt_install openjdk-17-jdk-headless; }
[ -f /usr/share/java/jna.jar ] || { echo "installing JNA (Debian libjna-java)"; apt_install libjna-java; }
jna=/usr/share/java/jna.jar

if [ ! -x "$kotlinc" ]; then
  echo "fetching kotlinc $kotlin_version (npm package kotlin-compiler, once)"
  mkdir -p "$cache/kotlin-compiler-$kotlin_version"
  (cd "$cache" && npm pack --silent "kotlin-compiler@$kotlin_version" >/dev/null)
  tar -xzf "$cache/kotlin-compiler-$kotlin_version.tgz" -C "$cache/kotlin-compiler-$kotlin_version"
  rm -f "$cache/kotlin-compiler-$kotlin_version.tgz"
  chmod +x "$cache/kotlin-compiler-$kotlin_version/package/bin/"*
fi
coroutines=$klib/kotlinx-coroutines-core-jvm.jar
kotlin_test=$klib/kotlin-test.jar
for jar in "$coroutines" "$kotlin_test" "$klib/kotlin-stdlib.jar"; do
  [ -f "$jar" ] || { echo "kotlin-compiler $kotlin_version lacks $(basename "$jar")" >&2; exit 1; }
done

echo "generating the Kotlin bindings (scripts/bindings)"
scripts/bindings --language kotlin >/dev/null
generated=target/bindings/kotlin/app/vakt/ffi/vakt_ffi.kt
lib_dir=$root/target/debug

# Every exported function, constructor and method must be called by a test
# (parseUri(, codesAt(, …): new exports need JVM tests before this passes.
python3 scripts/test.d/bindings_check.py coverage "$generated" "$module/src/jvmTest" || {
  echo "add a test in $module/src/jvmTest/kotlin (see Harness.kt)" >&2
  exit 1
}

mkdir -p "$out"
# kotlinc <jar> <classpath> <sources…>, skipped when the sources and classpath are unchanged.
compile() {
  local jar=$1 classpath=$2
  shift 2
  local stamp
  stamp=$(cat "$@" <(echo "$classpath $kotlin_version") | sha256sum | cut -c1-16)
  if [ -f "$jar" ] && [ "$(cat "$jar.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$(basename "$jar"): up to date"
    return
  fi
  echo "compiling $(basename "$jar") ($# files)"
  rm -f "$jar" "$jar.stamp"
  "$kotlinc" -jvm-target 17 -nowarn -cp "$classpath" -d "$jar" "$@"
  echo "$stamp" >"$jar.stamp"
}

compile "$out/generated.jar" "$jna" "$generated"

# The wrapper, without the files that need android.jar (they import android.*).
mapfile -t wrapper < <(grep -L '^import android\.' $(find "$module/src/main/kotlin" -name '*.kt' | sort))
mapfile -t tests < <(find "$module/src/jvmTest/kotlin" -name '*.kt' | sort)
skipped=$(grep -l '^import android\.' $(find "$module/src/main/kotlin" -name '*.kt') | xargs -n1 basename | tr '\n' ' ')
echo "not compiled here (needs android.jar): ${skipped:-none}"
compile "$out/tests.jar" "$out/generated.jar:$jna:$coroutines:$kotlin_test" "${wrapper[@]}" "${tests[@]}"

java -Djna.library.path="$lib_dir" -Djna.nosys=false \
  -cp "$out/tests.jar:$out/generated.jar:$jna:$coroutines:$kotlin_test:$klib/kotlin-stdlib.jar" \
  app.vakt.HarnessKt "$@"
