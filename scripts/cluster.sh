#!/usr/bin/env bash
# Scaled-out Madoguchi on one machine, loopback only (`make cluster` / `make cluster-down`):
#   nginx (127.0.0.1:CLUSTER_PORT) -> N Rasa servers -> action server(s)
#   shared PostgreSQL tracker store + accounts database (a private cluster, initdb in $CLUSTER_DIR/pg)
#   Redis lock store (turns of one conversation are processed in order, whichever server gets them)
#
#   scripts/cluster.sh up       start everything (installs nginx/postgresql/redis-server when missing)
#   scripts/cluster.sh down     stop everything started by `up` (pid files); data stay in $CLUSTER_DIR
#   scripts/cluster.sh status   what runs
#   scripts/cluster.sh env      the settings, as shell assignments (tests source them)
#
# Settings (environment): CLUSTER_DIR (var/cluster), CLUSTER_RASA_SERVERS (2), CLUSTER_ACTION_SERVERS (1),
# CLUSTER_PORT (8080, nginx), CLUSTER_RASA_BASE_PORT (5105: servers on 5105, 5106, ...),
# CLUSTER_ACTION_BASE_PORT (5155), CLUSTER_PG_PORT (55432), CLUSTER_REDIS_PORT (56379),
# CLUSTER_MODEL (models/madoguchi.tar.gz), TICKET_LOCK_LIFETIME (20 s: how long the lock of a Rasa
# server that died mid-turn blocks its conversation), CLUSTER_START_TIMEOUT (300 s).
#
# Security (README "Security model"): nginx routes only the chat page, socket.io and the REST webhook;
# Rasa's HTTP API (/model, /conversations, /status) answers only on the Rasa servers' loopback ports and
# only with MADOGUCHI_API_TOKEN; the action servers listen on loopback and require MADOGUCHI_ACTION_SECRET.
# Both are taken from the environment, else generated once into $CLUSTER_DIR/api-token, action-secret.
# Verification limits are counted in Redis (db 2), shared by all action servers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 RASA_TELEMETRY_ENABLED=false
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}" TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"

CLUSTER_DIR="${CLUSTER_DIR:-var/cluster}"
case "$CLUSTER_DIR" in /*) ;; *) CLUSTER_DIR="$ROOT/$CLUSTER_DIR" ;; esac
N="${CLUSTER_RASA_SERVERS:-2}"
M="${CLUSTER_ACTION_SERVERS:-1}"
PORT="${CLUSTER_PORT:-8080}"
RASA_BASE="${CLUSTER_RASA_BASE_PORT:-5105}"
ACTION_BASE="${CLUSTER_ACTION_BASE_PORT:-5155}"
PG_PORT="${CLUSTER_PG_PORT:-55432}"
REDIS_PORT="${CLUSTER_REDIS_PORT:-56379}"
MODEL="${CLUSTER_MODEL:-models/madoguchi.tar.gz}"
START_TIMEOUT="${CLUSTER_START_TIMEOUT:-300}"
export TICKET_LOCK_LIFETIME="${TICKET_LOCK_LIFETIME:-20}"

RUN="$CLUSTER_DIR/run"      # pid files
LOG="$CLUSTER_DIR/log"
PG="$CLUSTER_DIR/pg"
PY="$ROOT/.venv/bin/python"
RASA="$ROOT/.venv/bin/rasa"

log() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

pg_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_missing() {
  local want=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || want+=(nginx)
  pg_bindir >/dev/null || want+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || want+=(redis-server)
  [ ${#want[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${want[*]} and cannot install them (not root or no apt-get): apt-get install -y ${want[*]}"
  fi
  log "installing ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Do not let the packages start their system-wide services (port 80, 6379, 5432): we run our own.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null || { [ $created_policy = 1 ] && rm -f "$policy"; die "apt-get install ${want[*]} failed"; }
  [ $created_policy = 1 ] && rm -f "$policy"
  return 0
}

alive() {  # pidfile
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_http() {  # name url pidfile
  local deadline=$((SECONDS + START_TIMEOUT))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    alive "$3" || { tail -n 30 "$LOG/$1.log" >&2 || true; die "$1 stopped while starting (log: $LOG/$1.log)"; }
    [ $SECONDS -lt $deadline ] || die "$1 did not answer at $2 within ${START_TIMEOUT}s (log: $LOG/$1.log)"
    sleep 1
  done
}

start_bg() {  # name command...: detached, own session, pid file, log file
  local name="$1"; shift
  if alive "$RUN/$name.pid"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  setsid "$@" >"$LOG/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
}

pg_password() {
  [ -s "$PG/password" ] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' >"$PG/password")
  cat "$PG/password"
}

export_env() {
  local pw; pw="$(cat "$PG/password" 2>/dev/null || true)"
  export MADOGUCHI_TRACKER_DB_HOST=127.0.0.1 MADOGUCHI_TRACKER_DB_PORT="$PG_PORT"
  export MADOGUCHI_TRACKER_DB_USER=madoguchi MADOGUCHI_TRACKER_DB_PASSWORD="$pw" MADOGUCHI_TRACKER_DB_NAME=rasa
  export MADOGUCHI_REDIS_HOST=127.0.0.1 MADOGUCHI_REDIS_PORT="$REDIS_PORT" MADOGUCHI_REDIS_PASSWORD="${MADOGUCHI_REDIS_PASSWORD:-}"
  export MADOGUCHI_DB_URL="postgresql+psycopg://madoguchi:$pw@127.0.0.1:$PG_PORT/madoguchi"
  export MADOGUCHI_LIMITS_URL="redis://127.0.0.1:$REDIS_PORT/2"
  mkdir -p "$CLUSTER_DIR"
  MADOGUCHI_SECRETS_DIR="$CLUSTER_DIR" . "$ROOT/scripts/secrets.sh"
}

start_postgres() {
  local bindir; bindir="$(pg_bindir)" || die "PostgreSQL server binaries not found"
  mkdir -p "$PG"
  local pw; pw="$(pg_password)"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG"; chmod 700 "$PG"; fi
  if [ ! -f "$PG/data/PG_VERSION" ]; then
    log "initdb $PG/data"
    local pwfile; pwfile="$(mktemp)"; echo "$pw" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
    as_postgres "$bindir/initdb" -D "$PG/data" -U postgres -E UTF8 --locale=C --auth-local=trust \
      --auth-host=scram-sha-256 --pwfile="$pwfile" >"$LOG/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$LOG/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  as_postgres mkdir -p "$PG/sock"
  as_postgres chmod 700 "$PG/sock"
  if ! as_postgres "$bindir/pg_ctl" -D "$PG/data" status >/dev/null 2>&1; then
    log "PostgreSQL on 127.0.0.1:$PG_PORT"
    [ "$(id -u)" = 0 ] && { touch "$LOG/postgresql.log"; chown postgres "$LOG/postgresql.log"; }
    as_postgres "$bindir/pg_ctl" -D "$PG/data" -l "$LOG/postgresql.log" -w -t 60 \
      -o "-p $PG_PORT -k $PG/sock -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
      || { tail -n 20 "$LOG/postgresql.log" >&2; die "PostgreSQL did not start"; }
  fi
  cp "$PG/data/postmaster.pid" "$RUN/postgresql.pid.info" 2>/dev/null || true
  head -n 1 "$PG/data/postmaster.pid" >"$RUN/postgresql.pid"
  local psql=("$bindir/psql" -h "$PG/sock" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$(as_postgres "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='madoguchi'")" != 1 ]; then
    as_postgres "${psql[@]}" -d postgres -c "CREATE ROLE madoguchi LOGIN PASSWORD '$pw'" >/dev/null
  fi
  local db
  for db in rasa madoguchi; do
    if [ "$(as_postgres "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$db'")" != 1 ]; then
      as_postgres "${psql[@]}" -d postgres -c "CREATE DATABASE $db OWNER madoguchi" >/dev/null
    fi
  done
}

start_redis() {
  if alive "$RUN/redis.pid"; then return 0; fi
  log "Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p "$CLUSTER_DIR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --daemonize yes \
    --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log" --dir "$CLUSTER_DIR/redis" \
    --save "" --appendonly no
  local i
  for i in $(seq 1 50); do [ -s "$RUN/redis.pid" ] && break; sleep 0.1; done
  [ -s "$RUN/redis.pid" ] || die "Redis did not start (log: $LOG/redis.log)"
}

write_nginx_conf() {
  local prefix="$CLUSTER_DIR/nginx" servers="" i
  mkdir -p "$prefix/tmp"
  for ((i = 0; i < N; i++)); do servers+="        server 127.0.0.1:$((RASA_BASE + i)) max_fails=1 fail_timeout=10s;"$'\n'; done
  "$PY" - "$ROOT/deploy/nginx.conf.template" "$prefix/nginx.conf" "$prefix" "$LOG" "$PORT" "$servers" <<'PYEOF'
import sys
template, out, prefix, logdir, port, servers = sys.argv[1:]
text = open(template, encoding="utf-8").read()
for key, value in {"@PREFIX@": prefix, "@LOGDIR@": logdir, "@PORT@": port, "@SERVERS@": servers.rstrip("\n")}.items():
    text = text.replace(key, value)
open(out, "w", encoding="utf-8").write(text)
PYEOF
}

start_nginx() {
  local nginx; nginx="$(command -v nginx || echo /usr/sbin/nginx)"
  write_nginx_conf
  local conf="$CLUSTER_DIR/nginx/nginx.conf"
  "$nginx" -t -q -e "$LOG/nginx-error.log" -c "$conf" -p "$CLUSTER_DIR/nginx" || die "nginx configuration test failed"
  if [ -s "$CLUSTER_DIR/nginx/nginx.pid" ] && kill -0 "$(cat "$CLUSTER_DIR/nginx/nginx.pid")" 2>/dev/null; then
    "$nginx" -e "$LOG/nginx-error.log" -c "$conf" -p "$CLUSTER_DIR/nginx" -s reload
  else
    log "nginx on 127.0.0.1:$PORT -> $N Rasa server(s)"
    "$nginx" -e "$LOG/nginx-error.log" -c "$conf" -p "$CLUSTER_DIR/nginx"
  fi
  local i
  for i in $(seq 1 50); do [ -s "$CLUSTER_DIR/nginx/nginx.pid" ] && break; sleep 0.1; done
  cp "$CLUSTER_DIR/nginx/nginx.pid" "$RUN/nginx.pid"
}

up() {
  [ -f "$MODEL" ] || die "no model at $MODEL (make train)"
  install_missing
  command -v curl >/dev/null || die "curl is needed"
  mkdir -p "$RUN" "$LOG"
  start_postgres
  start_redis
  export_env
  log "accounts: $("$PY" -m bot accounts import fixtures/demo_accounts.yml)"
  local i
  for ((i = 0; i < M; i++)); do
    log "action server $i on 127.0.0.1:$((ACTION_BASE + i))"
    start_bg "actions-$i" "$PY" -m bot.action_server --actions actions --interface 127.0.0.1 --port "$((ACTION_BASE + i))"
  done
  for ((i = 0; i < N; i++)); do
    log "Rasa server $i on 127.0.0.1:$((RASA_BASE + i))"
    MADOGUCHI_ACTION_URL="http://127.0.0.1:$((ACTION_BASE + i % M))/webhook" \
      start_bg "rasa-$i" "$RASA" run --model "$MODEL" --interface 127.0.0.1 --port "$((RASA_BASE + i))" \
      --enable-api --auth-token "$MADOGUCHI_API_TOKEN" --credentials credentials.yml --endpoints deploy/endpoints.cluster.yml
  done
  for ((i = 0; i < M; i++)); do wait_http "actions-$i" "http://127.0.0.1:$((ACTION_BASE + i))/health" "$RUN/actions-$i.pid"; done
  for ((i = 0; i < N; i++)); do wait_http "rasa-$i" "http://127.0.0.1:$((RASA_BASE + i))/webhooks/rest/" "$RUN/rasa-$i.pid"; done
  start_nginx
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/webhooks/rest/" || die "nginx does not reach the Rasa servers"
  cat <<MSG
cluster: up.
  REST:     POST http://127.0.0.1:$PORT/webhooks/rest/webhook   (nginx -> $N Rasa servers)
  socket.io http://127.0.0.1:$PORT/socket.io/  (sticky: ip_hash)   chat page http://127.0.0.1:$PORT/chat/
  HTTP API: http://127.0.0.1:$RASA_BASE/... ?token=\$(cat $CLUSTER_DIR/api-token)  (not through nginx)
  pids:     $RUN     logs: $LOG
  metrics:  .venv/bin/python -m bot metrics  (/metrics of the $N Rasa servers summed; Prometheus: deploy/prometheus.yml)
  stop:     scripts/cluster.sh down
MSG
}

stop_pidfile() {  # pidfile [signal]
  local f="$1" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "-${2:-TERM}" -- "-$pid" 2>/dev/null || kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

down() {
  local f nginx; nginx="$(command -v nginx || echo /usr/sbin/nginx)"
  if [ -f "$RUN/nginx.pid" ]; then
    "$nginx" -e "$LOG/nginx-error.log" -c "$CLUSTER_DIR/nginx/nginx.conf" -p "$CLUSTER_DIR/nginx" -s quit 2>/dev/null || true
    stop_pidfile "$RUN/nginx.pid"
  fi
  for f in "$RUN"/rasa-*.pid "$RUN"/actions-*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
  if [ -f "$RUN/redis.pid" ]; then
    local pid; pid="$(cat "$RUN/redis.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$RUN/redis.pid"
  fi
  local bindir
  if bindir="$(pg_bindir)" && [ -f "$PG/data/postmaster.pid" ]; then
    as_postgres "$bindir/pg_ctl" -D "$PG/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -f "$RUN/postgresql.pid" "$RUN/postgresql.pid.info"
  log "down (data kept in $CLUSTER_DIR; remove it for a fresh start)"
}

status() {
  local f name
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"
    if alive "$f"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: not running"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env)
    export_env
    for v in CLUSTER_DIR N PORT RASA_BASE ACTION_BASE PG_PORT REDIS_PORT MADOGUCHI_DB_URL MADOGUCHI_LIMITS_URL; do echo "$v=${!v}"; done ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
