#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: a private cluster in a temporary directory, on a free port
# of 127.0.0.1, owned by nobody else and deleted afterwards.
#
#   scripts/postgres-for-tests.sh run <command...>   start one, run the command with POSTGRES_URL
#                                                   (and POSTGRES_MIGRATION_URL, POSTGRES_ADMIN_URL)
#                                                   exported, then stop and delete it
#   scripts/postgres-for-tests.sh start <dir>       start one in <dir> (must not exist); prints the
#                                                   three variables as NAME=value lines
#   scripts/postgres-for-tests.sh stop <dir>        stop it and delete <dir>
#
# Installs Debian's `postgresql` package when no server binaries are found and this machine can
# (root with apt-get), as ensure-chromium.sh does for Chromium. initdb and the server refuse to run
# as root, so as root they run as the `postgres` user the package creates.
#
# The cluster has two roles beside the superuser, as production should (docs/postgres.md):
#   engine_owner  owns the database; the engine runs its schema migrations as this role
#   engine        the engine's everyday role: it may read and insert events, never update or delete
# Authentication is `trust`, on 127.0.0.1 and a private socket directory only: a test cluster.
# If the server cannot be started, `run` says so in a banner, still runs the command (whose
# PostgreSQL tests then fail, naming why) and exits non-zero: PostgreSQL never goes silently untested.
set -euo pipefail

DATABASE=support

log() { echo "postgres-for-tests: $*" >&2; }

find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

ensure_binaries() {
  find_bindir && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's postgresql package for the PostgreSQL tests..."
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    find_bindir && return 0
  fi
  log "PostgreSQL server binaries not found; as root run: apt-get update && apt-get install -y postgresql"
  return 1
}

# Runs a server binary as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  local dir=$1 bindir port
  bindir=$(ensure_binaries) || return 1
  mkdir -p "$dir" || return 1
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
    log "the postgres user cannot reach $(dirname "$dir") (a private directory?): give a directory directly under /tmp"
    return 1
  fi
  echo "$bindir" >"$dir/bindir" # first, so that stop can stop a server whatever failed after it
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir" || return 1; fi
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  # The port is free when asked and taken a moment later; on the rare clash, ask again.
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2; then
      break
    fi
    [ "$attempt" = 3 ] && { cat "$dir/server.log" >&2; return 1; }
  done
  # Every step checks its own status: `set -e` does not apply inside a function called from `if`.
  as_owner "$bindir/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres >&2 <<SQL || return 1
CREATE ROLE engine_owner LOGIN;
CREATE ROLE engine LOGIN;
CREATE DATABASE $DATABASE OWNER engine_owner;
REVOKE ALL ON DATABASE $DATABASE FROM PUBLIC;
GRANT CONNECT ON DATABASE $DATABASE TO engine;
SQL
  echo "POSTGRES_URL=postgres://engine@127.0.0.1:$port/$DATABASE"
  echo "POSTGRES_MIGRATION_URL=postgres://engine_owner@127.0.0.1:$port/$DATABASE"
  echo "POSTGRES_ADMIN_URL=postgres://postgres@127.0.0.1:$port/$DATABASE"
}

stop() {
  local dir=$1
  if [ -f "$dir/bindir" ] && [ -d "$dir/data" ]; then
    as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

run() {
  local status=0 started
  # Global, not local: the EXIT trap runs after this function has returned.
  CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/postgres-for-tests.XXXXXX")
  local dir=$CLUSTER_DIR
  trap 'stop "$CLUSTER_DIR"' EXIT
  trap 'exit 130' INT TERM
  local begun=$SECONDS
  if started=$(start "$dir"); then
    while IFS= read -r line; do export "${line?}"; done <<<"$started"
    log "PostgreSQL ready in $((SECONDS - begun)) s at ${POSTGRES_URL}"
    "$@" || status=$?
    return $status
  fi
  log "################################################################"
  log "PostgreSQL could NOT be started: its tests will FAIL (see above)."
  log "################################################################"
  "$@" || true
  return 1
}

case "${1:-}" in
  start) start "${2:?start needs a directory}" ;;
  stop) stop "${2:?stop needs a directory}" ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 run <command...> | start <dir> | stop <dir>" >&2; exit 2 ;;
esac
