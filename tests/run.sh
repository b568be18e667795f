#!/usr/bin/env bash
# The whole test suite. Installs what the tests need when it is missing (openssl, the Debian `scep`,
# `strongswan-pki` and `certmonger` packages, softhsm2 and opensc (PKCS#11), chromium (the status page in a real browser), systemd
# (systemd-analyze for the unit file), pgbouncer (the cluster tests through it), PostgreSQL: see tests/postgres.sh), starts PostgreSQL if it is not running (and stops it at
# the end if it started it), builds once, runs every test project, and ends with one summary line.
#   tests/run.sh            everything (what CI runs)
#   tests/run.sh --fast     skip the slow multi-process tests (Category=Slow); Category=Postgres tests
#                           still run unless they are Slow too
#   tests/run.sh -- ARGS    extra arguments for `dotnet test` (e.g. -- --filter FullyQualifiedName~Pkcs)
set -euo pipefail
cd "$(dirname "$0")/.."

filter=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) filter=(--filter "Category!=Slow"); shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: tests/run.sh [--fast] [-- dotnet-test-args]" >&2; exit 2 ;;
  esac
done

need=()
command -v openssl >/dev/null || need+=(openssl)
# The independent SCEP clients of the interop tests: micromdm's scepclient, strongSwan's `pki --scep` (its curl
# fetcher is in the extra plugins) and certmonger's SCEP helper.
for package in scep strongswan-pki libstrongswan-extra-plugins certmonger softhsm2 opensc chromium systemd pgbouncer; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
source tests/postgres.sh
if [ -z "${CERTCONNECTOR_PG:-}" ] && postgres_missing; then need+=(postgresql); PG_STARTED_BY_US=installed; fi
if [ ${#need[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Tests tagged Category=Postgres read CERTCONNECTOR_PG and fail without it.
trap postgres_down EXIT
postgres_up

dotnet build Akka.sln -c Release -nologo -v quiet
log=$(mktemp)
results=$(mktemp -d)
status=0
dotnet test Akka.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" "${filter[@]}" "${extra[@]}" 2>&1 | tee "$log" || status=$?

# The slowest tests, from the TRX files (duration="hh:mm:ss.fffffff"): where the suite's 15 minutes go.
echo "slowest tests:"
cat "$results"/*.trx 2>/dev/null | grep -o '<UnitTestResult [^>]*' \
  | sed -nE 's/.*testName="([^"]*)".*duration="([0-9]+):([0-9]+):([0-9.]+)".*/\2 \3 \4 \1/p' \
  | awk '{ t = $1 * 3600 + $2 * 60 + $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "%8.1f s  %s\n", t, $0 }' | sort -rn | head -15 || true
rm -rf "$results"

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
