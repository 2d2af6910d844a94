#!/usr/bin/env bash
# Publishes runa the way it ships: self-contained, ReadyToRun-compiled as one composite image
# with the .NET libraries it uses, runa-init next to it. Usage: scripts/publish.sh [OUT] (default out/)
#
# Why composite: a CLI lives for a few hundred milliseconds at most, and a framework-dependent
# ReadyToRun build still JIT-compiles ~1,500 methods per `runa run` (System.Text.Json's generic
# metadata over value types lives outside its version bubble); the composite image precompiles
# them, roughly halving a `run`'s CPU time (bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out}
dotnet publish src/Host -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true \
  -o "$out" -nologo -clp:ErrorsOnly >/dev/null
test -x "$out/runa" && test -x "$out/runa-init"
echo "$out/runa"
