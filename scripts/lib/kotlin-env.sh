# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Sourced by scripts/test.d/40-kotlin.sh, 42-android.sh and scripts/bench-ffi
# (from the repo root): makes sure a JDK, JNA and kotlinc are there, and defines
# `compile` and `compile_with`.
#
# Sets: kotlinc, klib (kotlinc's lib/), jna, jna_version, coroutines,
# kotlin_test, kotlin_stdlib. kotlinc comes from the npm package
# kotlin-compiler, unpacked under .cache/ (kept between runs); the JDK from
# Debian; JNA from Maven Central at the version android/vakt/build.gradle.kts
# declares — the one the app ships (one source of truth).

kotlin_version=2.4.20
kotlin_home=.cache/kotlin/kotlin-compiler-$kotlin_version/package
kotlinc=$kotlin_home/bin/kotlinc
klib=$kotlin_home/lib

apt_install() {
  if [ -z "${apt_updated:-}" ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v javac >/dev/null 2>&1 || { echo "installing a JDK (Debian)"; apt_install openjdk-17-jdk-headless; }

# shellcheck source=scripts/lib/maven.sh
. scripts/lib/maven.sh
jna_version=$(gradle_dependency_version net.java.dev.jna:jna)
# JNA before 5.17 crashes on phones with 16 KB memory pages, which Google Play
# requires (42-android.sh also checks the AAR's libraries' alignment).
if [ "$(printf '%s\n' 5.17.0 "$jna_version" | sort -V | head -1)" != 5.17.0 ]; then
  echo "android/vakt/build.gradle.kts declares JNA $jna_version: 5.17.0 or later is needed (16 KB memory pages)" >&2
  exit 1
fi
maven_fetch .cache/jna "net.java.dev.jna:jna:$jna_version"
jna=$PWD/.cache/jna/jna-$jna_version.jar

if [ ! -x "$kotlinc" ]; then
  echo "fetching kotlinc $kotlin_version (npm package kotlin-compiler, once)"
  unpack=.cache/kotlin/kotlin-compiler-$kotlin_version
  rm -rf "$unpack"
  mkdir -p "$unpack"
  (cd .cache/kotlin && npm pack --silent "kotlin-compiler@$kotlin_version" >/dev/null)
  tar -xzf ".cache/kotlin/kotlin-compiler-$kotlin_version.tgz" -C "$unpack"
  rm -f ".cache/kotlin/kotlin-compiler-$kotlin_version.tgz"
  chmod +x "$kotlin_home/bin/"*
fi
coroutines=$klib/kotlinx-coroutines-core-jvm.jar
kotlin_test=$klib/kotlin-test.jar
kotlin_stdlib=$klib/kotlin-stdlib.jar
for jar in "$coroutines" "$kotlin_test" "$kotlin_stdlib"; do
  [ -f "$jar" ] || { echo "kotlin-compiler $kotlin_version lacks $(basename "$jar")" >&2; exit 1; }
done

# compile JAR CLASSPATH SOURCES…: kotlinc into JAR, skipped when the sources,
# the contents of the classpath's jars, the flags and the compiler are what
# the last compile of JAR saw.
compile() {
  compile_with "" "$@"
}

# compile_with "KOTLINC FLAGS" JAR CLASSPATH SOURCES…: the same with extra
# kotlinc flags (e.g. "-no-jdk -module-name vakt"). Prints `compiling JAR (N files)`
# or `JAR: up to date`.
compile_with() {
  local flags=$1 jar=$2 classpath=$3
  shift 3
  local stamp entry
  stamp=$(
    {
      cat "$@"
      IFS=:
      for entry in $classpath; do
        printf '%s ' "$(basename "$entry")"
        sha256sum <"$entry"
      done
      echo "$flags $kotlin_version"
    } | sha256sum | cut -c1-16
  )
  if [ -f "$jar" ] && [ "$(cat "$jar.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$(basename "$jar"): up to date"
    return
  fi
  echo "compiling $(basename "$jar") ($# files)"
  mkdir -p "$(dirname "$jar")"
  rm -f "$jar" "$jar.stamp"
  # shellcheck disable=SC2086 # the flags are words
  "$kotlinc" -jvm-target 17 -nowarn $flags -cp "$classpath" -d "$jar" "$@"
  echo "$stamp" >"$jar.stamp"
}
