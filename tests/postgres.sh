# Sourced by tests/run.sh (bash), which installs `postgresql` with its other packages (one apt-get update). PostgreSQL for the tests tagged Category=Postgres:
#   postgres_up     installs Debian's `postgresql` when psql/pg_ctlcluster is missing, starts a cluster if
#                   none is running, creates the role and database `certconnector` (password
#                   `certconnector`, CREATEDB so a test can make its own database) and exports CERTCONNECTOR_PG.
#   postgres_down   stops the cluster only if postgres_up started it and no other client is connected to it
#                   (another test run on the same machine may be using it); run.sh calls it from its EXIT trap.
# With CERTCONNECTOR_PG already set, both leave PostgreSQL alone and the tests use that server.
# Idempotent and quiet. Try it alone: bash -c 'source tests/postgres.sh; postgres_up; echo "$CERTCONNECTOR_PG"; postgres_down'

PG_STARTED_BY_US=""

pg_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Runs a command as the postgres user from / (psql warns when it cannot read the current directory).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres "$@"); fi
}

# "VERSION PORT STATUS" of the cluster named main, empty when there is none.
pg_cluster() {
  pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {print $1, $3, $4; exit}'
}

postgres_missing() { ! command -v psql >/dev/null || ! command -v pg_ctlcluster >/dev/null; }

postgres_up() {
  if [ -n "${CERTCONNECTOR_PG:-}" ]; then
    echo "tests/run.sh: using the PostgreSQL in CERTCONNECTOR_PG"
    return 0
  fi
  if postgres_missing; then
    echo "tests/run.sh: installing postgresql"
    pg_sudo apt-get update -qq >/dev/null
    # Debian's postinst creates the cluster `main` (and may start it); count it as started by us either way.
    DEBIAN_FRONTEND=noninteractive pg_sudo apt-get install -y -qq postgresql >/dev/null
    PG_STARTED_BY_US=installed
  fi

  local cluster version port status
  cluster=$(pg_cluster)
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    pg_sudo pg_createcluster "$version" main >/dev/null
    cluster=$(pg_cluster)
  fi
  read -r version port status <<<"$cluster"
  if [ "$status" != online ]; then
    pg_sudo pg_ctlcluster "$version" main start
    PG_STARTED_BY_US=started
  fi
  PG_VERSION_STARTED="$version"
  PG_PORT="$port"

  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "tests/run.sh: PostgreSQL $version did not accept connections on 127.0.0.1:$port" >&2; return 1; }

  if [ "$(as_postgres psql -p "$port" -tAqc "SELECT 1 FROM pg_roles WHERE rolname = 'certconnector'")" != 1 ]; then
    as_postgres psql -p "$port" -qc "CREATE ROLE certconnector LOGIN PASSWORD 'certconnector' CREATEDB" >/dev/null
  else
    as_postgres psql -p "$port" -qc "ALTER ROLE certconnector LOGIN PASSWORD 'certconnector' CREATEDB" >/dev/null
  fi
  if [ "$(as_postgres psql -p "$port" -tAqc "SELECT 1 FROM pg_database WHERE datname = 'certconnector'")" != 1 ]; then
    as_postgres psql -p "$port" -qc "CREATE DATABASE certconnector OWNER certconnector" >/dev/null
  fi
  export CERTCONNECTOR_PG="Host=127.0.0.1;Port=$port;Database=certconnector;Username=certconnector;Password=certconnector"
}

postgres_down() {
  if [ -n "$PG_STARTED_BY_US" ] && [ -n "${PG_VERSION_STARTED:-}" ]; then
    local others
    others=$(as_postgres psql -p "$PG_PORT" -tAqc \
      "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" 2>/dev/null || echo 0)
    if [ "${others:-0}" -gt 0 ]; then
      echo "tests/run.sh: leaving PostgreSQL $PG_VERSION_STARTED running: $others other client(s) connected"
    else
      pg_sudo pg_ctlcluster "$PG_VERSION_STARTED" main stop || true
    fi
    PG_STARTED_BY_US=""
  fi
}
