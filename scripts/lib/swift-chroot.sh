#!/usr/bin/env bash
# Runs a command as root inside a Debian root (chroot) with /proc, /dev and the
# given folders bind-mounted. Everything happens in a private mount namespace
# of its own: nothing outside sees the mounts, they are unmounted on every exit
# (trap), and the kernel drops them with the namespace even if this is killed —
# so ROOT never keeps a mount of the repository that `rm -rf ROOT` could reach.
#
#   scripts/lib/swift-chroot.sh ROOT [MOUNT…] -- COMMAND [ARG…]
#
#   --bind DIR            DIR at the same path inside ROOT, read-write
#   --bind-ro DIR         the same, read-only
#   --bind-at SRC DEST    SRC at DEST inside ROOT (DEST must exist there; for
#                         folders inside an earlier mount)
#
# COMMAND runs with a clean environment (HOME=/root, PATH, LANG=C.UTF-8).
set -euo pipefail
if [ -z "${VAKT_CHROOT_NAMESPACE:-}" ]; then
  exec env VAKT_CHROOT_NAMESPACE=1 unshare --mount --propagation private -- bash "$0" "$@"
fi

root=${1:?usage: swift-chroot.sh ROOT [MOUNT…] -- COMMAND…}
shift
[ -x "$root/bin/sh" ] || { echo "swift-chroot.sh: $root is not a Debian root" >&2; exit 1; }

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
  done
  mounted=()
}
trap unmount_all EXIT
trap 'exit 130' INT TERM

bind() { # SRC DEST(inside ROOT) [ro]
  local src=$1 dest=$root$2
  [ -d "$src" ] || { echo "swift-chroot.sh: no folder $src" >&2; exit 1; }
  [ -d "$dest" ] || mkdir -p "$dest"
  mount --bind "$src" "$dest"
  mounted+=("$dest")
  if [ "${3:-}" = ro ]; then
    mount -o remount,bind,ro "$dest"
  fi
}

mount -t proc proc "$root/proc"
mounted+=("$root/proc")
bind /dev /dev
while [ $# -gt 0 ]; do
  case "$1" in
    --bind) bind "$2" "$2"; shift 2 ;;
    --bind-ro) bind "$2" "$2" ro; shift 2 ;;
    --bind-at)
      [ -d "$root$3" ] || { echo "swift-chroot.sh: $3 does not exist inside the root" >&2; exit 1; }
      bind "$2" "$3"; shift 3 ;;
    --) shift; break ;;
    *) echo "swift-chroot.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "swift-chroot.sh: no command" >&2; exit 2; }

status=0
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" || status=$?
unmount_all
exit "$status"
