#!/usr/bin/env bash
# Cluster figures on this machine (prints them; not a test): PKCS requests/s through one, two and three instances
# (against the key-generation bound), SCEP enrollments/s at 4, 16 and 64 clients through one and three instances,
# sharing one PostgreSQL database, and the time from kill -9 of one instance to the last of its orphaned requests
# finishing on the others. Each run: a fresh database, N real certconnector processes (hocon/cluster.hocon), REQUESTS
# PKCS requests queued round-robin through the instances' admin APIs, timed from the first POST to the last result.
#   CERTCONNECTOR_PG="Host=127.0.0.1;Port=5432;Database=certconnector;Username=certconnector;Password=certconnector" \
#     [PHASES="pkcs scep scep-load failover"] bench/run-cluster.sh [REQUESTS (300)] [KEY (ec:p256)]
# The role in CERTCONNECTOR_PG needs CREATEDB (tests/postgres.sh sets one up).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-300}
KEY=${2:-ec:p256}
: "${CERTCONNECTOR_PG:?set CERTCONNECTOR_PG to a PostgreSQL connection string whose role may CREATE DATABASE}"

field() { tr ';' '\n' <<<"$CERTCONNECTOR_PG" | sed -n "s/^$1=//Ip" | head -1; }
export PGHOST=$(field Host) PGPORT=$(field Port) PGUSER=$(field Username) PGPASSWORD=$(field Password)
ADMIN_DB=$(field Database)
psqlq() { psql -X -q -At -d "$1" -c "$2"; }

dotnet build src/Host -c Release -nologo -v quiet >/dev/null
DLL=$PWD/src/Host/bin/Release/net10.0/certconnector.dll
HOCON=$PWD/hocon/cluster.hocon
WORK=$(mktemp -d /tmp/certconnector-bench-cluster.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${DB:-}" ] && psqlq "$ADMIN_DB" "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/d.key" -out "$WORK/d.crt" -subj /CN=device -days 30 2>/dev/null
DEVICE=$(awk '{printf "%s\\n", $0}' "$WORK/d.crt")
export CERTCONNECTOR_CA_PASSPHRASE="bench-$RANDOM$RANDOM"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# start_cluster N [SETTINGS...]: a fresh database and N instances (PKCS only unless SETTINGS say otherwise), every one
# listing the first as its seed. Each instance has two connection pools (journal, shared stores); Maximum Pool Size caps
# each, so that three busy instances stay within PostgreSQL's default max_connections = 100 (uncapped, two of them
# already held 63 connections here and a third exhausted the server).
start_cluster() {
  local n=$1; shift
  local settings=("$@")
  [ ${#settings[@]} -gt 0 ] || settings=(--Connector:Scep:Enabled=false)
  DB="bench_cluster_$$_$n$RANDOM"
  psqlq "$ADMIN_DB" "CREATE DATABASE $DB"
  local cs="Host=$PGHOST;Port=$PGPORT;Database=$DB;Username=$PGUSER;Password=$PGPASSWORD;Maximum Pool Size=12"
  NODES=(); ADMIN=(); SCEP=(); CPORT=(); PIDS=()
  for i in $(seq 1 "$n"); do CPORT+=("$(port)"); done
  for i in $(seq 0 $((n - 1))); do
    local dir=$WORK/$DB-$i admin scep; admin=$(port); scep=$(port)
    mkdir -p "$dir"
    CERTCONNECTOR_Connector__Logging__Console=false dotnet "$DLL" --data-dir "$dir" --instance "bench-$i" \
      --admin-url "http://127.0.0.1:$admin" --scep-url "http://127.0.0.1:$scep" --hocon "$HOCON" \
      --Connector:Database:Provider=postgres "--Connector:Database:ConnectionString=$cs" \
      --cluster-host 127.0.0.1 --cluster-port "${CPORT[$i]}" --seed-node "akka.tcp://certconnector@127.0.0.1:${CPORT[0]}" \
      --Connector:Pkcs:PollInterval=00:00:01 "${settings[@]}" >"$dir.log" 2>&1 &
    PIDS+=($!); NODES+=("$dir"); ADMIN+=("http://127.0.0.1:$admin"); SCEP+=("http://127.0.0.1:$scep/scep")
    until [ -f "$dir/admin.url" ]; do sleep 0.2; done
  done
  until [ "$(dotnet "$DLL" cluster show --json --data-dir "${NODES[0]}" 2>/dev/null | python3 -c 'import json,sys; print(sum(m["status"]=="Up" for m in json.load(sys.stdin)["members"]))' 2>/dev/null)" = "$n" ]; do sleep 1; done
}

stop_cluster() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  psqlq "$ADMIN_DB" "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; DB=
}

# queue PREFIX: REQUESTS requests round-robin over the instances, 4 at a time; a failed POST is sent again to the
# next instance (409: an earlier attempt got through).
post_one() { # ID URL TOKEN URL2 TOKEN2
  local id=$1 pair url token code try
  for try in 1 2 3; do
    for pair in "$2 $3" "$4 $5"; do
      read -r url token <<<"$pair"
      code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/v1/pkcs/requests" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' \
        -d "{\"subject\":\"CN=$id\",\"key\":\"$KEY\",\"requestId\":\"$id\",\"deviceCertificate\":\"$DEVICE\"}")
      case $code in 202|409) return 0;; esac
    done
    sleep 1
  done
  echo "POST $id failed ($code)" >&2
}
export -f post_one
export KEY DEVICE
queue() {
  local prefix=$1 n=${#ADMIN[@]}
  for i in $(seq 0 $((REQUESTS - 1))); do
    echo "$prefix-$i ${ADMIN[$((i % n))]} $(cat "${NODES[$((i % n))]}/admin.token") ${ADMIN[$(((i + 1) % n))]} $(cat "${NODES[$(((i + 1) % n))]}/admin.token")"
  done | xargs -P 4 -L 1 bash -c 'post_one "$@"' _
}

completed() { psqlq "$DB" "SELECT count(*) FROM pkcs_requests WHERE completed_at IS NOT NULL" 2>/dev/null || echo 0; }

PHASES=${PHASES:-pkcs scep scep-load failover}   # e.g. PHASES=failover bench/run-cluster.sh
BENCH_DLL=$PWD/bench/bin/Release/net10.0/CertConnector.Bench.dll
dotnet build bench -c Release -nologo -v quiet >/dev/null

if [[ " $PHASES " == *" pkcs "* ]]; then
echo "PKCS end to end on a cluster ($REQUESTS requests, key $KEY, PostgreSQL, $(nproc) cores)"
# The key-generation bound (keys/s on every core, no connector), as bench/run-pkcs.sh measures it for one node.
BOUND=$(dotnet "$BENCH_DLL" keygen-bound --key "$KEY" --seconds 10)
echo "  bound: $BOUND keys/s ($(nproc) threads, no connector)"
for n in 1 2 3; do
  start_cluster "$n"
  t0=$(now)
  queue "n$n"
  tq=$(now)
  until [ "$(completed)" -ge "$REQUESTS" ]; do sleep 0.2; done
  t1=$(now)
  printf '  %d instance(s): queued in %6.2f s; all completed after %6.2f s: %6.1f requests/s, %5.2fx of the bound\n' "$n" \
    "$(echo "$tq - $t0" | bc)" "$(echo "$t1 - $t0" | bc)" "$(echo "$REQUESTS / ($t1 - $t0)" | bc -l)" "$(echo "$REQUESTS / ($t1 - $t0) / $BOUND" | bc -l)"
  stop_cluster
done

fi

if [[ " $PHASES " == *" scep "* ]]; then
SCEP_N=${SCEP_N:-100}
echo "SCEP: $SCEP_N enrollments with Debian's scepclient, 8 at a time, round-robin over the instances (SCEP role only;"
echo "      client keys and challenges made beforehand, untimed; scepclient runs on the same 2 cores)"
mkdir -p "$WORK/keys"
for i in $(seq 0 $((SCEP_N - 1))); do openssl genrsa -traditional -out "$WORK/keys/$i.key" 2048 2>/dev/null; done
for n in 1 2; do
  # Debian's scepclient encrypts with single DES only, which the connector refuses unless allowed.
  start_cluster "$n" --Connector:Pkcs:Enabled=false --Connector:Revocation:Enabled=false --Connector:Scep:AllowSingleDes=true
  : >"$WORK/$DB.jobs"
  for i in $(seq 0 $((SCEP_N - 1))); do
    d=$WORK/$DB-scep-$i; mkdir -p "$d"; cp "$WORK/keys/$i.key" "$d/device.key"
    ch=$(curl -sf -X POST "${ADMIN[$((i % n))]}/api/v1/scep/challenges" -H "Authorization: Bearer $(cat "${NODES[$((i % n))]}/admin.token")" \
      -H 'Content-Type: application/json' -d "{\"subject\":\"CN=sb-$i,OU=MDM,O=scep-client,C=US\",\"ttl\":\"60m\"}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["challenge"])')
    echo "$d ${SCEP[$((i % n))]} $ch sb-$i" >>"$WORK/$DB.jobs"
  done
  t0=$(now)
  xargs -P 8 -L 1 bash -c 'cd "$0" && scepclient -server-url "$1" -challenge "$2" -private-key device.key -certificate device.crt \
    -cn "$3" -keySize 2048 >run.log 2>&1 || echo "scepclient $3 failed: $(tail -1 run.log)" >&2' <"$WORK/$DB.jobs"
  t1=$(now)
  ok=$(ls "$WORK/$DB"-scep-*/device.crt 2>/dev/null | wc -l)
  printf '  %d instance(s): %d of %d enrolled in %6.2f s: %6.1f enrollments/s; certificates in the shared store: %s\n' "$n" "$ok" "$SCEP_N" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$ok / ($t1 - $t0)" | bc -l)" "$(psqlq "$DB" "SELECT count(*) FROM issued_certificates WHERE feature = 'scep'")"
  stop_cluster
done

fi

# SCEP load as bench/run-scep.sh drives it (our load generator: 300 enrollments at 4, 16 and 64 concurrent clients, one-time
# challenges minted beforehand round-robin), spread over the SCEP URLs of one and of three instances.
if [[ " $PHASES " == *" scep-load "* ]]; then
echo "SCEP load on the embedded default (one node, SQLite), for comparison in the same run:"
dotnet "$BENCH_DLL" scep --target ours --requests "${SCEP_LOAD_N:-300}" --concurrency "${SCEP_LOAD_C:-4,16,64}" |
  sed -n '/^target/,/^load average at end/p' | sed "s/^ours    /ours-sql/" || true
for n in ${SCEP_LOAD_INSTANCES:-1 3}; do
  start_cluster "$n" --Connector:Pkcs:Enabled=false --Connector:Revocation:Enabled=false
  dirs=$(IFS=,; echo "${NODES[*]}")
  echo "SCEP load through $n instance(s) on PostgreSQL:"
  dotnet "$BENCH_DLL" scep --target "connectors:$dirs" --requests "${SCEP_LOAD_N:-300}" --concurrency "${SCEP_LOAD_C:-4,16,64}" |
    sed -n '/^target/,/^load average at end/p' | sed "s/^ours    /ours-pg$n/" || true
  stop_cluster
done
fi

# Failover: RSA keys, so that work piles up and the killed instance holds leases and shard entities when it dies.
# Three instances: with two, the split-brain resolver (keep-majority) leaves no majority after a kill; the side with the
# lowest address is kept, so when the killed one had it, the survivor downs itself too (exit code 3).
if [[ " $PHASES " == *" failover "* ]]; then
FAILOVER_N=${FAILOVER_N:-60}
echo "Failover: 3 instances (PKCS), $FAILOVER_N requests with key rsa:2048, kill -9 of the third once 10 have completed"
start_cluster 3
victim=$(cat "${NODES[2]}/instance.id")
REQUESTS=$FAILOVER_N KEY=rsa:2048 queue fo
until [ "$(completed)" -ge 10 ]; do sleep 0.1; done
psqlq "$DB" "CREATE TABLE bench_orphans AS SELECT request_id FROM pkcs_requests WHERE completed_at IS NULL AND leased_by = '$victim'"
kill -9 "${PIDS[2]}"
tk=$(now)
pending=$(psqlq "$DB" "SELECT count(*) FROM pkcs_requests WHERE completed_at IS NULL")
orphans=$(psqlq "$DB" "SELECT count(*) FROM bench_orphans")
td=
until [ "$(psqlq "$DB" "SELECT count(*) FROM pkcs_requests r JOIN bench_orphans o USING (request_id) WHERE r.completed_at IS NULL" 2>/dev/null || echo x)" = 0 ]; do
  if [ -z "$td" ] && [ "$(dotnet "$DLL" cluster show --json --data-dir "${NODES[0]}" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["members"]))' 2>/dev/null)" = 2 ]; then td=$(now); fi
  sleep 0.5
done
to=$(now)
until [ "$(completed)" -ge "$FAILOVER_N" ]; do sleep 0.2; done
ta=$(now)
printf '  at the kill: %d unfinished, %d of them leased by the killed instance\n' "$pending" "$orphans"
[ -n "$td" ] && printf '  the survivor removed the killed member after %.1f s (failure detection + split-brain resolver stable-after)\n' "$(echo "$td - $tk" | bc)"
printf '  the last of its orphaned requests completed %.1f s after the kill; every request %.1f s after it\n' "$(echo "$to - $tk" | bc)" "$(echo "$ta - $tk" | bc)"
printf '  current certificates per request: %s; results uploaded twice: %s\n' \
  "$(psqlq "$DB" "SELECT string_agg(DISTINCT c::text, ',') FROM (SELECT count(*) c FROM issued_certificates WHERE superseded_by IS NULL GROUP BY request_id) x")" \
  "$(psqlq "$DB" "SELECT count(*) FROM pkcs_results WHERE upload_count > 1")"
stop_cluster
fi
