#!/usr/bin/env bash
# PKCS issue-9 goals (prints figures; not a test): the key-generation bound on all cores, then one embedded connector
# (SQLite, built-in CA, key pool on): a burst no larger than the pool (p50/p99 queue -> upload) and a burst of 200
# (admin API acceptance rate with C concurrent POSTs, requests/s, ratio to the bound). Extra --Connector:X=Y go to the connector.
#   bench/run-pkcs.sh [--requests 200] [--small 30] [--pool 32] [--concurrency 8] [--bound-seconds 10] [--Connector:Pkcs:X=Y ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench -nologo -v quiet >/dev/null
exec dotnet bench/bin/Release/net10.0/CertConnector.Bench.dll pkcs-goals "$@"
