#!/usr/bin/env bash
# SCEP enrollment figures: our connector and scepserver (Debian package "scep") on this machine, one run,
# N=300 enrollments at each of C=4, 16 and 64 concurrent clients after a warm-up (600 before the first level, the JIT's
# tier-up; 32 before the others), printing enrollments/s, p50/p99 latency, each server's CPU per enrollment over the
# timed phase (/proc/PID/stat), the crypto floor priced with `openssl speed` in the same run, and issue 21's ratios.
# scepserver runs twice: with a CA key of our CA's size (the same-size row the ratios use) and with its 4096-bit default.
# Requester keys are cached in $TMPDIR/certconnector-scepbench-keys (--key-cache none: fresh keys).
# Extra arguments go to the benchmark and win over the defaults, e.g. bench/run-scep.sh --requests 500 --concurrency 16.
# BENCH_ARTIFACTS=/tmp/somewhere builds into that artifacts path instead of bench/bin and bench/obj.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v scepserver >/dev/null 2>&1; then
  echo "scepserver not found; installing the Debian package scep" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq scep
fi

artifacts=()
if [ -n "${BENCH_ARTIFACTS:-}" ]; then artifacts=(--artifacts-path "$BENCH_ARTIFACTS"); fi
dotnet build bench -c Release -nologo -v quiet "${artifacts[@]}"
exec timeout 2400 dotnet run -c Release --no-build --project bench "${artifacts[@]}" -- scep --requests 300 --concurrency 4,16,64 --target both "$@"
