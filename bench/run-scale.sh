#!/usr/bin/env bash
# Scale figures (issue 9), one run: N PKCS requests in flight on one node with the CA stalled (process RSS and GC heap),
# with the default MaxInFlight (most wait in the queue) and with MaxInFlight=N (all of them actors); then a restart
# (SIGKILL) with M in flight: time to the first and to all completed, and a check that each completed exactly once.
# Defaults N=100000, M=10000. Extra arguments go to the benchmark and win over the defaults, e.g.
# bench/run-scale.sh --requests 20000 --restart-requests 2000 --phases restart
# BENCH_ARTIFACTS=/tmp/somewhere builds into that artifacts path instead of bench/bin and bench/obj.
set -euo pipefail
cd "$(dirname "$0")/.."

artifacts=()
if [ -n "${BENCH_ARTIFACTS:-}" ]; then artifacts=(--artifacts-path "$BENCH_ARTIFACTS"); fi
dotnet build bench -c Release -nologo -v quiet "${artifacts[@]}"
exec timeout 7200 dotnet run -c Release --no-build --project bench "${artifacts[@]}" -- scale --requests 100000 --restart-requests 10000 "$@"
