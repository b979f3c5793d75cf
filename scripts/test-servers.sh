#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis 7 servers for tests, on 127.0.0.1 at free ports, with all
# their state (data, sockets, logs, pid files) in one temp directory under /tmp.
#
#   eval "$(scripts/test-servers.sh start)"      # both; or `start pg` / `start redis`
#   ... PG_TEST_DSN, REDIS_TEST_URL and TEST_SERVERS_DIR are now exported ...
#   scripts/test-servers.sh stop                 # stops what start started (pid files), rm -rf
#
# Commands (DIR defaults to $TEST_SERVERS_DIR):
#   start [all|pg|redis]   start servers; print `export NAME='value'` lines (also kept in DIR/env)
#   stop [DIR]             stop every server started in DIR and delete DIR
#   env [DIR]              print the export lines again
#   pg-stop|pg-start|pg-restart [DIR]   stop/start/restart only PostgreSQL, keeping its data and
#                          port (tests of reconnection and fail-fast behaviour use these)
#   redis-stop|redis-start|redis-restart [DIR]   the same for Redis (same port; its data is
#                          lost: it runs without persistence)
# PostgreSQL runs with fsync=off, synchronous_commit=off and full_page_writes=off (fast, nothing
# to keep) unless PG_TEST_DURABLE=1 is set: then it keeps the defaults (benchmarks of durable
# commits). Works as root (initdb then runs as the postgres user through runuser) or as a
# normal user. Progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

log() { echo "test-servers: $*" >&2; }
die() { log "$*"; exit 1; }

# Runs a command as the user that owns the cluster: postgres when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints a port in 20000..59999 that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

state_dir() {
  local dir=${1:-${TEST_SERVERS_DIR:-}}
  [ -n "$dir" ] || die "no state directory: pass it or set TEST_SERVERS_DIR"
  [ -d "$dir" ] || die "$dir does not exist"
  echo "$dir"
}

pg_ctl_start() {
  local dir=$1 port=$2 opts
  opts="-c listen_addresses=127.0.0.1 -p $port -k $dir/pg"
  if [ "${PG_TEST_DURABLE:-0}" != 1 ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_pg "$PGBIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 60 -o "$opts" start >/dev/null
}

start_pg() {
  local dir=$1 port
  [ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 is not installed ($PGBIN): run scripts/setup.sh"
  mkdir -p "$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/pg"; fi
  as_pg "$PGBIN/initdb" -D "$dir/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
    >"$dir/pg/initdb.log" 2>&1 || { cat "$dir/pg/initdb.log" >&2; die "initdb failed"; }
  # Another process may take the port between the check and the bind: retry with a new one.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if pg_ctl_start "$dir" "$port"; then
      echo "$port" >"$dir/pg/port"
      echo "export PG_TEST_DSN='host=127.0.0.1 port=$port user=postgres dbname=postgres'" \
        >>"$dir/env"
      log "PostgreSQL on 127.0.0.1:$port (data $dir/pg/data)"
      return 0
    fi
  done
  tail -n 20 "$dir/pg/log" >&2 || true
  die "PostgreSQL did not start"
}

# Starts redis-server on $2 with its files in $1/redis; true once it answers PING (5 s).
redis_server_start() {
  local dir=$1 port=$2
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir/redis" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
  for _ in $(seq 1 250); do
    if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
    sleep 0.02
  done
  return 1
}

start_redis() {
  local dir=$1 port
  command -v redis-server >/dev/null || die "redis-server is not installed: run scripts/setup.sh"
  mkdir -p "$dir/redis"
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if redis_server_start "$dir" "$port"; then
      echo "$port" >"$dir/redis/port"
      echo "export REDIS_TEST_URL='redis://127.0.0.1:$port/0'" >>"$dir/env"
      log "Redis on 127.0.0.1:$port"
      return 0
    fi
    stop_redis "$dir"
  done
  die "Redis did not start"
}

stop_pg() {
  local dir=$1 pid
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$dir/pg/data/postmaster.pid")
  as_pg "$PGBIN/pg_ctl" -D "$dir/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
    kill -KILL "$pid" 2>/dev/null || true
}

stop_redis() {
  local dir=$1 pid
  [ -f "$dir/redis/redis.pid" ] || return 0
  pid=$(cat "$dir/redis/redis.pid")
  kill -TERM "$pid" 2>/dev/null || true
  # A daemonized server may linger as a zombie (nothing reaps it here): wait for the pid file.
  for _ in $(seq 1 250); do
    [ -f "$dir/redis/redis.pid" ] || break
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.02
  done
  rm -f "$dir/redis/redis.pid"
  # Redis removes its pid file before it closes its listening socket: wait for the port to be
  # free too, so a restart on the same port can bind it.
  if [ -f "$dir/redis/port" ]; then
    for _ in $(seq 1 250); do
      port_in_use "$(cat "$dir/redis/port")" || break
      sleep 0.02
    done
  fi
}

cmd=${1:-}
case "$cmd" in
  start)
    what=${2:-all}
    case "$what" in all | pg | redis) ;; *) die "start what? all, pg or redis" ;; esac
    dir=$(mktemp -d /tmp/gitops-test-servers.XXXXXX)
    chmod 755 "$dir"
    echo "export TEST_SERVERS_DIR='$dir'" >"$dir/env"
    trap 'stop_pg "$dir"; stop_redis "$dir"; rm -rf "$dir"' ERR
    if [ "$what" = all ] || [ "$what" = pg ]; then start_pg "$dir"; fi
    if [ "$what" = all ] || [ "$what" = redis ]; then start_redis "$dir"; fi
    trap - ERR
    cat "$dir/env"
    ;;
  stop)
    dir=$(state_dir "${2:-}")
    stop_pg "$dir"
    stop_redis "$dir"
    rm -rf "$dir"
    log "stopped and removed $dir"
    ;;
  env)
    cat "$(state_dir "${2:-}")/env"
    ;;
  pg-stop)
    dir=$(state_dir "${2:-}")
    as_pg "$PGBIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 60 stop >/dev/null
    ;;
  pg-start)
    dir=$(state_dir "${2:-}")
    pg_ctl_start "$dir" "$(cat "$dir/pg/port")"
    ;;
  pg-restart)
    dir=$(state_dir "${2:-}")
    as_pg "$PGBIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 60 stop >/dev/null
    pg_ctl_start "$dir" "$(cat "$dir/pg/port")"
    ;;
  redis-stop)
    dir=$(state_dir "${2:-}")
    stop_redis "$dir"
    ;;
  redis-start)
    dir=$(state_dir "${2:-}")
    redis_server_start "$dir" "$(cat "$dir/redis/port")" || die "Redis did not start"
    ;;
  redis-restart)
    dir=$(state_dir "${2:-}")
    stop_redis "$dir"
    redis_server_start "$dir" "$(cat "$dir/redis/port")" || die "Redis did not start"
    ;;
  *)
    sed -n '2,22p' "$0" >&2
    exit 2
    ;;
esac
