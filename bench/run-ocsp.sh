#!/usr/bin/env bash
# OCSP responder figures: our connector and `openssl ocsp` as a responder over the same CA, certificates and responder
# key, on this machine, one run: responses/s and p50/p99 at 1, 16 and 64 clients, with and without a nonce, and the ratio.
# Extra arguments go to the benchmark and win over the defaults, e.g. bench/run-ocsp.sh --requests 5000, or
# bench/run-ocsp.sh --responder-key ec:p256 (Connector:Ca:OcspKeySpec; both responders get the same P-256 key).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench -c Release -nologo -v quiet
exec timeout 900 dotnet run -c Release --no-build --project bench -- ocsp --certificates 200 --requests 3000 "$@"
