#!/usr/bin/env bash
# The main job: build runa and run a real busybox container that reports from inside it.
# Needs root (namespaces, cgroups). Installs busybox-static if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
dotnet build src/Host -c Release -nologo -clp:ErrorsOnly >/dev/null
runa="$PWD/src/Host/bin/Release/net10.0/runa"

bundle=$(mktemp -d /tmp/runa-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc"
cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
for applet in $("$bundle/rootfs/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$bundle/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$bundle/rootfs/etc/group"

"$runa" spec --bundle "$bundle"
# Non-interactive, and a command that shows the container from inside.
sed -i 's/"terminal": true/"terminal": false/' "$bundle/config.json"
sed -i 's|^\( *\)"sh"$|\1"sh", "-c", "echo hostname: $(hostname); id; echo processes:; ps; echo open fds of pid 1:; ls /proc/1/fd; true"|' "$bundle/config.json"

"$runa" --root /run/runa-demo run --bundle "$bundle" "demo-$$"
