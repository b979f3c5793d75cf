#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis 7 servers and a Git HTTP remote for tests, on 127.0.0.1 at
# free ports, with all their state (data, sockets, logs, pid files) in one temp directory.
#
#   eval "$(scripts/test-servers.sh start)"      # all; or `start pg` / `start redis` / `start git`
#   ... PG_TEST_DSN, REDIS_TEST_URL and TEST_SERVERS_DIR are now exported ...
#   scripts/test-servers.sh stop                 # stops what start started (pid files), rm -rf
#
# The Git remote is lighttpd + git-http-backend with Basic auth: bare repositories created
# under $GIT_TEST_ROOT are served at $GIT_TEST_HTTP_URL/<name> (credentials GIT_TEST_USER /
# GIT_TEST_PASSWORD, a random password per start). `all` includes it when lighttpd is installed.
#
# Commands (DIR defaults to $TEST_SERVERS_DIR):
#   start [all|pg|redis|git]   start servers; print `export NAME='value'` lines (also in DIR/env)
#   stop [DIR]             stop every server started in DIR and delete DIR
#   env [DIR]              print the export lines again
#   pg-stop|pg-start|pg-restart [DIR]   stop/start/restart only PostgreSQL, keeping its data and
#                          port (tests of reconnection and fail-fast behaviour use these)
#   redis-stop|redis-start|redis-restart [DIR]   the same for Redis (same port; its data is
#                          lost: it runs without persistence)
#   git-stop|git-start [DIR]   stop/start the Git HTTP remote (same port, repositories kept)
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

# Writes DIR/git/lighttpd.conf for port $2 (git-http-backend under /git, Basic auth).
write_git_conf() {
  local dir=$1 port=$2
  cat >"$dir/git/lighttpd.conf" <<CONF
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$dir/git/www"
server.errorlog = "$dir/git/error.log"
server.pid-file = "$dir/git/lighttpd.pid"
server.feature-flags = ("auth.delay-invalid-creds" => "disable")
server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")
alias.url = ( "/git" => "/usr/lib/git-core/git-http-backend" )
\$HTTP["url"] =~ "^/git" {
  cgi.assign = ("" => "")
  setenv.set-environment = ("GIT_PROJECT_ROOT" => "$dir/git/repos", "GIT_HTTP_EXPORT_ALL" => "")
  auth.backend = "plain"
  auth.backend.plain.userfile = "$dir/git/users"
  auth.require = ("" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
}
CONF
}

# Starts lighttpd (it daemonizes and writes its pid file); true once the port answers (5 s).
git_server_start() {
  local dir=$1 port=$2
  write_git_conf "$dir" "$port"
  lighttpd -f "$dir/git/lighttpd.conf" >>"$dir/git/start.log" 2>&1 || return 1
  for _ in $(seq 1 250); do
    if port_in_use "$port"; then return 0; fi
    sleep 0.02
  done
  return 1
}

start_git() {
  local dir=$1 port password
  command -v lighttpd >/dev/null || die "lighttpd is not installed: run scripts/setup.sh"
  [ -x /usr/lib/git-core/git-http-backend ] || die "git-http-backend is missing (package git)"
  mkdir -p "$dir/git/repos" "$dir/git/www"
  password="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "gitops:$password" >"$dir/git/users"
  chmod 600 "$dir/git/users"
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if git_server_start "$dir" "$port"; then
      echo "$port" >"$dir/git/port"
      {
        echo "export GIT_TEST_HTTP_URL='http://127.0.0.1:$port/git'"
        echo "export GIT_TEST_ROOT='$dir/git/repos'"
        echo "export GIT_TEST_USER='gitops'"
        echo "export GIT_TEST_PASSWORD='$password'"
      } >>"$dir/env"
      log "Git HTTP remote on 127.0.0.1:$port (repositories $dir/git/repos)"
      return 0
    fi
    stop_git "$dir"
  done
  die "lighttpd did not start"
}

stop_git() {
  local dir=$1 pid
  [ -f "$dir/git/lighttpd.pid" ] || return 0
  pid=$(cat "$dir/git/lighttpd.pid")
  kill -TERM "$pid" 2>/dev/null || true
  # Nothing may reap it here (PID 1 reaps nothing): a zombie counts as stopped.
  for _ in $(seq 1 250); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = Z ]; then break; fi
    sleep 0.02
  done
  rm -f "$dir/git/lighttpd.pid"
  if [ -f "$dir/git/port" ]; then
    for _ in $(seq 1 250); do
      port_in_use "$(cat "$dir/git/port")" || break
      sleep 0.02
    done
  fi
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
    case "$what" in all | pg | redis | git) ;; *) die "start what? all, pg, redis or git" ;; esac
    dir=$(mktemp -d /tmp/gitops-test-servers.XXXXXX)
    chmod 755 "$dir"
    echo "export TEST_SERVERS_DIR='$dir'" >"$dir/env"
    trap 'stop_pg "$dir"; stop_redis "$dir"; stop_git "$dir"; rm -rf "$dir"' ERR
    if [ "$what" = all ] || [ "$what" = pg ]; then start_pg "$dir"; fi
    if [ "$what" = all ] || [ "$what" = redis ]; then start_redis "$dir"; fi
    if [ "$what" = git ] || { [ "$what" = all ] && command -v lighttpd >/dev/null; }; then
      start_git "$dir"
    fi
    trap - ERR
    cat "$dir/env"
    ;;
  stop)
    dir=$(state_dir "${2:-}")
    stop_pg "$dir"
    stop_redis "$dir"
    stop_git "$dir"
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
  git-stop)
    dir=$(state_dir "${2:-}")
    stop_git "$dir"
    ;;
  git-start)
    dir=$(state_dir "${2:-}")
    git_server_start "$dir" "$(cat "$dir/git/port")" || die "lighttpd did not start"
    ;;
  *)
    sed -n '2,28p' "$0" >&2
    exit 2
    ;;
esac
