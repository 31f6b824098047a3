#!/usr/bin/env bash
# Project-local Redis, the shared cache: scripts/redis.sh start|stop|status
# With REDIS_URL set, nothing is started: that server is used as it is.
# A cache only (rate-limit counters, tiles, count memo, hot spots, read-your-writes pins):
# no persistence, least-recently-used eviction, bound to 127.0.0.1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REDIS_DIR="${GEO_INDI_REDIS_DIR:-$ROOT/.redis}"
REDIS_PORT="${GEO_INDI_REDIS_PORT:-63790}"
REDIS_MAXMEMORY="${GEO_INDI_REDIS_MAXMEMORY:-256mb}"
CONF="$REDIS_DIR/redis.conf"

ping() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null; }

start() {
  if [ -n "${REDIS_URL:-}" ]; then echo "Using REDIS_URL"; return 0; fi
  command -v redis-server >/dev/null || { echo "redis-server not found (scripts/bootstrap.sh installs it)" >&2; exit 1; }
  mkdir -p "$REDIS_DIR"
  # Rewritten on every start, like the PostGIS cluster's geo_indi.conf.
  cat > "$CONF" <<CONF
# Written by scripts/redis.sh; edit that script, not this file.
bind 127.0.0.1
protected-mode yes
port $REDIS_PORT
dir $REDIS_DIR
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
daemonize yes
save ""
appendonly no
maxmemory $REDIS_MAXMEMORY
maxmemory-policy allkeys-lru
CONF
  if [ "$(ping)" = PONG ]; then return 0; fi
  redis-server "$CONF"
  for _ in $(seq 1 100); do
    if [ "$(ping)" = PONG ]; then echo "Redis running in $REDIS_DIR on 127.0.0.1:$REDIS_PORT"; return 0; fi
    sleep 0.1
  done
  echo "Redis did not start on 127.0.0.1:$REDIS_PORT (see $REDIS_DIR/redis.log)" >&2
  exit 1
}

stop() {
  if [ "$(ping)" = PONG ]; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) [ "$(ping)" = PONG ] && echo "Redis running on 127.0.0.1:$REDIS_PORT" || { echo "Redis not running"; exit 3; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
