#!/usr/bin/env bash
# Project-local PostGIS cluster: scripts/db.sh start|stop|status
# With DATABASE_URL set, nothing is started: that server is used as it is.
# The cluster keeps PostgreSQL's durability defaults (fsync, synchronous_commit,
# full_page_writes all on): an acknowledged write survives a crash. Only the
# throwaway test database trades some of that for speed (tests/conftest.py).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGDATA="${GEO_INDI_PGDATA:-$ROOT/.pgdata}"
PGPORT="${GEO_INDI_PGPORT:-54329}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
CONF_NAME=geo_indi.conf

as_owner() {
  # initdb refuses root: run the cluster as "postgres" when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

write_conf() {
  # Rewritten on every start, so a cluster made by an older version of this script is brought in line.
  cat > "$PGDATA/$CONF_NAME" <<CONF
# Written by scripts/db.sh; edit that script, not this file.
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDATA'
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 256MB
max_connections = 100
# Durability: PostgreSQL's defaults, stated so that nothing below can switch them off.
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = replica
# Statement text can carry a person's values: keep it out of the server log.
log_error_verbosity = terse
log_min_error_statement = panic
CONF
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA/$CONF_NAME"
  # Lines that older versions appended to postgresql.conf itself.
  sed -i -E '/^(fsync|synchronous_commit|full_page_writes) = off$/d' "$PGDATA/postgresql.conf"
  grep -qx "include_if_exists = '$CONF_NAME'" "$PGDATA/postgresql.conf" \
    || echo "include_if_exists = '$CONF_NAME'" >> "$PGDATA/postgresql.conf"
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "Using DATABASE_URL"; return 0; fi
  [ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found (set PGBIN)" >&2; exit 1; }
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
    as_owner "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  write_conf
  if as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" reload >/dev/null
  else
    as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 120 start >/dev/null
    echo "PostGIS cluster running in $PGDATA on 127.0.0.1:$PGPORT"
  fi
  if [ "$("$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'geo_indi'" postgres)" != 1 ]; then
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres geo_indi
  fi
}

stop() {
  if [ -s "$PGDATA/PG_VERSION" ]; then as_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop || true; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) as_owner "$PGBIN/pg_ctl" -D "$PGDATA" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
