#!/usr/bin/env bash
# PKCS key pool (prints figures; not a test): a burst of N rsa:2048 PKCS requests on one embedded connector, with the
# key pool on (filled before the burst) and off; the time from the first POST to the last Completed.
#   bench/run-keypool.sh [N (30)]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-30}
dotnet build -c Release src/Host -nologo -v quiet >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

burst() { # burst POOL PORT
  local pool=$1 port=$2 dir="$work/$1"
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/d.key" -out "$dir/d.crt" -subj /CN=dev -days 30 2>/dev/null
  local cert; cert=$(awk '{printf "%s\\n", $0}' "$dir/d.crt")
  dotnet src/Host/bin/Release/net10.0/certconnector.dll --data-dir "$dir/data" --admin-url "http://127.0.0.1:$port" \
    --scep-url "http://127.0.0.1:$((port + 1))" --Connector:Pkcs:KeyPoolEnabled="$pool" --Connector:Logging:Console=false >"$dir/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 60); do [ -f "$dir/data/admin.url" ] && break; sleep 1; done
  local token; token=$(cat "$dir/data/admin.token")
  sleep 8 # the pool fills: 32 rsa:2048 keys take about 3 s of one core
  local start; start=$(date +%s.%N)
  local posts=()
  for i in $(seq 1 "$N"); do
    curl -s -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"subject\":\"CN=b$i\",\"deviceCertificate\":\"$cert\",\"key\":\"rsa:2048\",\"requestId\":\"b$i\"}" \
      "http://127.0.0.1:$port/api/v1/pkcs/requests" &
    posts+=($!)
  done
  wait "${posts[@]}"
  local queued; queued=$(date +%s.%N)
  while true; do
    local completed; completed=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/requests?state=Completed&limit=1000" \
      | { grep -o '"requestId"' || true; } | wc -l)
    [ "$completed" -ge "$N" ] && break
    sleep 0.2
  done
  local end; end=$(date +%s.%N)
  printf '  key pool %-5s: queued in %5.2f s; all %d completed after %5.2f s: %5.1f requests/s\n' "$pool" \
    "$(echo "$queued - $start" | bc)" "$N" "$(echo "$end - $start" | bc)" "$(echo "$N / ($end - $start)" | bc -l)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "PKCS burst of $N rsa:2048 requests, one instance (SQLite), $(nproc) cores"
burst false 5731
burst true 5741
