# shellcheck shell=bash
# Sourced by scripts/lib/kotlin-env.sh and scripts/test.d/42-android.sh (from the
# repo root): fetches artifacts from Maven Central with Maven itself.
#
#   maven_fetch DIR [alone:]GROUP:ARTIFACT:VERSION[:TYPE[:CLASSIFIER]]…
#       copies the artifacts and their runtime dependencies into DIR (flat,
#       artifactId-version[-classifier].type); `alone:` copies that artifact
#       without its dependencies and outside Maven's version resolution (two
#       versions of one artifact, or a tool whose dependencies must not change
#       the others'). Skipped when DIR already holds exactly that list.
#       Downloads are kept in $maven_repo between runs and between clones
#       (/var/cache/vakt/maven, else .cache/maven).
#   gradle_dependency_version GROUP:ARTIFACT
#       the version android/vakt/build.gradle.kts declares for it.

if [ -z "${maven_repo:-}" ]; then
  maven_repo=/var/cache/vakt/maven
  mkdir -p "$maven_repo" 2>/dev/null || maven_repo=$PWD/.cache/maven
fi

maven_fetch() {
  local dir=$1
  shift
  local stamp
  stamp=$(printf '%s\n' "$@" | sha256sum | cut -c1-16)
  if [ -f "$dir/.fetched" ] && [ "$(cat "$dir/.fetched")" = "$stamp" ]; then
    return
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "installing Maven (Debian)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
  fi
  echo "fetching $# artifacts with their dependencies from Maven Central into $dir"
  local work coordinate group artifact version type classifier element dependencies="" alone=""
  work=$(mktemp -d)
  for coordinate in "$@"; do
    IFS=: read -r group artifact version type classifier <<<"${coordinate#alone:}"
    element="<groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version>${type:+<type>$type</type>}${classifier:+<classifier>$classifier</classifier>}"
    case "$coordinate" in
      alone:*) alone+="<artifactItem>$element</artifactItem>" ;;
      *) dependencies+="<dependency>$element</dependency>" ;;
    esac
  done
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>vakt</groupId><artifactId>fetch</artifactId><version>1</version>
<dependencies>$dependencies</dependencies>
<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
<version>3.8.1</version><configuration><outputDirectory>$(cd "$dir" && pwd)</outputDirectory>
<includeScope>runtime</includeScope><artifactItems>$alone</artifactItems></configuration></plugin></plugins></build>
</project>
POM
  local goals=()
  [ -n "$dependencies" ] && goals+=(dependency:copy-dependencies)
  [ -n "$alone" ] && goals+=(dependency:copy)
  mvn -q -B -Dstyle.color=never -f "$work/pom.xml" -Dmaven.repo.local="$maven_repo" "${goals[@]}"
  rm -rf "$work"
  echo "$stamp" >"$dir/.fetched"
}

gradle_dependency_version() {
  local version
  version=$(sed -n "s/.*\"$1:\([^:@\"]*\)[@\"].*/\1/p" android/vakt/build.gradle.kts | head -1)
  [ -n "$version" ] || { echo "android/vakt/build.gradle.kts declares no $1" >&2; return 1; }
  echo "$version"
}
