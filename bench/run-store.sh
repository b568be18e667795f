#!/usr/bin/env bash
# Shared-store figures on PostgreSQL (prints them; not a test): 1, 4 and 16 clients at once, each standing for one instance
# with its own connection pool, each repeating a request's store work on the hot path (a PKCS request enqueued, leased and
# its result uploaded; a SCEP challenge minted and spent). Operations/s should grow with clients: a database-wide lock
# would keep them flat. Starts PostgreSQL as the tests do (tests/postgres.sh) unless CERTCONNECTOR_PG is set.
#   bench/run-store.sh [--clients 1,4,16] [--seconds 10]
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/postgres.sh
trap postgres_down EXIT
postgres_up
dotnet build bench -c Release -nologo -v quiet
timeout 900 dotnet run -c Release --no-build --project bench -- shared-store "$@"
