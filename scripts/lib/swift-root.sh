# shellcheck shell=bash
# Sourced by scripts/test.d/41-swift.sh: a Debian 13 (trixie) root with Swift
# 6 (Debian's swiftlang: the compiler, Foundation with FoundationNetworking,
# XCTest, llvm-cov), made once per machine with debootstrap and kept outside
# the repository.
#
#   ensure_swift_root     sets swift_root (made or rebuilt when needed)
#
# Debian 12 has no Swift and is too old for trixie's swiftlang, hence the
# root. It lives in $VAKT_SWIFT_ROOT (default /var/cache/vakt/swift-trixie)
# with a stamp naming the recipe below: a later run on the same machine reuses
# it, a changed package list rebuilds it. A lock file serializes runs that
# share it. Needs root (debootstrap, chroot, mount namespaces).

swift_root=${VAKT_SWIFT_ROOT:-/var/cache/vakt/swift-trixie}
swift_root_suite=trixie
swift_root_mirror=${VAKT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# swiftlang: the toolchain; libc6-dev: the C library's headers and crt files
# the linker needs; libssl-dev, libpng-dev: for the tests' C helper (RSA,
# AES-GCM and PNG decoding, which Apple's frameworks do on a Mac).
swift_root_packages=(swiftlang libc6-dev libssl-dev libpng-dev)
swift_root_recipe="vakt swift root 1: debootstrap --variant=minbase $swift_root_suite; apt-get install --no-install-recommends ${swift_root_packages[*]}"
swift_chroot=scripts/lib/swift-chroot.sh

# Fails if anything is mounted at or under $1 (a root is only ever deleted
# when nothing of the repository can be reached through it).
assert_nothing_mounted_under() {
  local dir=$1 found
  found=$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts)
  if [ -n "$found" ]; then
    echo "mounts remain under $dir (unmount them first):" >&2
    echo "$found" >&2
    return 1
  fi
}

make_swift_root() {
  local partial=$swift_root.partial started=$SECONDS
  assert_nothing_mounted_under "$partial"
  rm -rf "$partial"
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "installing debootstrap (Debian)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  echo "making the Swift root $swift_root: debootstrap $swift_root_suite (minbase)"
  if ! debootstrap --variant=minbase "$swift_root_suite" "$partial" "$swift_root_mirror" >"$swift_root.log" 2>&1; then
    tail -20 "$swift_root.log" >&2
    echo "debootstrap failed (whole log: $swift_root.log)" >&2
    return 1
  fi
  cp -L /etc/resolv.conf "$partial/etc/resolv.conf" 2>/dev/null || true
  echo "installing ${swift_root_packages[*]} in it (apt, trixie)"
  if ! "$swift_chroot" "$partial" -- sh -c "apt-get -qq -o Dpkg::Use-Pty=0 update && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends ${swift_root_packages[*]} && \
      apt-get clean" >>"$swift_root.log" 2>&1; then
    tail -20 "$swift_root.log" >&2
    echo "installing Swift failed (whole log: $swift_root.log)" >&2
    return 1
  fi
  printf '%s\n' "$swift_root_recipe" >"$partial/.vakt-recipe"
  assert_nothing_mounted_under "$swift_root"
  rm -rf "$swift_root"
  mv "$partial" "$swift_root"
  echo "Swift root ready in $((SECONDS - started)) s ($(du -sh "$swift_root" | cut -f1))"
}

ensure_swift_root() {
  mkdir -p "$(dirname "$swift_root")"
  exec {swift_root_lock}>"$swift_root.lock"
  flock "$swift_root_lock"
  if [ "$(cat "$swift_root/.vakt-recipe" 2>/dev/null)" != "$swift_root_recipe" ]; then
    [ -e "$swift_root" ] && echo "the Swift root's recipe changed: rebuilding it"
    make_swift_root
  fi
  # Other runs may use the root too, none may rebuild it meanwhile.
  flock -s "$swift_root_lock"
}
