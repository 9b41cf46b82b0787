#!/usr/bin/env bash
# Kotlin bindings on the desktop JVM: generates the uniffi Kotlin for the host
# build of libvakt_ffi, compiles it with the pure-Kotlin wrapper
# (android/vakt/src/main/kotlin, minus files that need android.jar) and the
# tests in android/vakt/src/jvmTest, and runs them against target/debug.
# The harness finds the suites itself (every `fun Tests.…()` of the package).
# Prints the suites, one line per test and `N passed, M failed`; exits non-zero
# if any test failed, or if an exported function is not called by any test.
# The Android-only files are compiled and run by 42-android.sh.
#
#   scripts/test.d/40-kotlin.sh [REPO_ROOT] [-- TEST_FILTER…]
#
# Installs what is missing (scripts/lib/kotlin-env.sh): a JDK from Debian, JNA
# from Maven Central at the version android/vakt/build.gradle.kts declares,
# kotlinc from the npm package kotlin-compiler (unpacked under .cache/, kept
# between runs). Compiled jars are cached under target/kotlin-jvm/ by the hash
# of their sources and of the classpath's jars.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
shift || true
[ "${1:-}" = "--" ] && shift
cd "$root"

out=target/kotlin-jvm
module=android/vakt
# shellcheck source=scripts/lib/kotlin-env.sh
. scripts/lib/kotlin-env.sh

echo "generating the Kotlin bindings (scripts/bindings)"
scripts/bindings --test-support --language kotlin >/dev/null
generated=target/bindings/kotlin/app/vakt/ffi/vakt_ffi.kt
lib_dir=$root/target/debug

# Every exported function, constructor and method must be called by a test
# (parseUri(, codesAt(, …): new exports need JVM tests before this passes.
python3 scripts/test.d/bindings_check.py coverage "$generated" "$module/src/jvmTest" || {
  echo "add a test in $module/src/jvmTest/kotlin (see Harness.kt)" >&2
  exit 1
}

compile "$out/generated.jar" "$jna" "$generated"

# The wrapper, without the files that need Android (they import android.*).
mapfile -t wrapper < <(find "$module/src/main/kotlin" -name '*.kt' -exec grep -L '^import android\.' {} + | sort)
mapfile -t tests < <(find "$module/src/jvmTest/kotlin" -name '*.kt' | sort)
skipped=$(find "$module/src/main/kotlin" -name '*.kt' -exec grep -l '^import android\.' {} + | sed 's|.*/||' | tr '\n' ' ')
echo "not compiled here (need Android; see 42-android.sh): ${skipped:-none}"
compile "$out/tests.jar" "$out/generated.jar:$jna:$coroutines:$kotlin_test" "${wrapper[@]}" "${tests[@]}"

java -Djna.library.path="$lib_dir" \
  -cp "$out/tests.jar:$out/generated.jar:$jna:$coroutines:$kotlin_test:$kotlin_stdlib" \
  app.vakt.HarnessKt "$@"
