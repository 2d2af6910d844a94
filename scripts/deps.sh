#!/usr/bin/env bash
# Installs what building and testing Runa needs on a fresh Debian machine (idempotent, quiet).
# busybox-static: the rootfs of the test and demo containers. runc/crun/hyperfine: benchmarks.
set -euo pipefail
need=()
# The containers' rootfs gets a copy of the host's busybox: it must be the static build (Debian's
# plain busybox package is dynamically linked and would not run inside a bare rootfs).
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || need+=(busybox-static)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
for p in "$@"; do command -v "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
