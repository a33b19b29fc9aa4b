#!/usr/bin/env bash
# Make sure the gateway's peers answer: node_modules installed, Redis and
# PostgreSQL reachable at REDIS_URL / DATABASE_URL.
#
#   scripts/services.sh        (or "up") check, install and start what is missing
#   scripts/services.sh stop   stop the private instances this script started
#   scripts/services.sh kannel install Kannel for the SMPP interop test (best effort)
#   scripts/services.sh chromium install Chromium for the web console tests (best effort)
#
# Contract:
# - A configured server that answers is used as is, wherever it runs.
# - Only when it does not answer and its host is local (127.0.0.1, localhost,
#   ::1) does this script start a private instance under .data/ in the repo
#   (Redis in .data/redis, PostgreSQL in .data/pg, trust auth, user postgres),
#   installing redis-server / postgresql with apt-get first when the binaries
#   are missing (root only). A second run reuses the private instance.
# - It never creates the database itself: the gateway creates the database
#   named in DATABASE_URL and migrates it (npm run migrate).
# - Every wait is bounded by SERVICES_WAIT_S seconds (default 30).
#
# start.sh and test.sh run this file with bash; it is also safe to source it
# from a bash script that uses `set -euo pipefail` (it then runs "up").
set -euo pipefail

SMSGW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMSGW_DATA="$SMSGW_ROOT/.data"
SERVICES_WAIT_S="${SERVICES_WAIT_S:-30}"

svc_say() { printf '%s\n' "$*"; }
svc_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# --- URLs -------------------------------------------------------------------

# svc_parse_url URL DEFAULT_PORT: sets URL_SCHEME, URL_USER, URL_HOST, URL_PORT.
svc_parse_url() {
  local url=$1 default_port=$2 rest hostport port
  [[ $url == *://* ]] || svc_die "not a URL: $(svc_redact "$url")"
  URL_SCHEME=${url%%://*}
  rest=${url#*://}
  rest=${rest%%[/?#]*}
  URL_USER=""
  hostport=$rest
  if [[ $rest == *@* ]]; then
    URL_USER=${rest%@*}
    URL_USER=${URL_USER%%:*}
    hostport=${rest##*@}
  fi
  if [[ $hostport == \[* ]]; then
    URL_HOST=${hostport#\[}
    URL_HOST=${URL_HOST%%\]*}
    port=${hostport#*\]}
  else
    URL_HOST=${hostport%%:*}
    port=${hostport#"$URL_HOST"}
  fi
  port=${port#:}
  URL_HOST=${URL_HOST:-127.0.0.1}
  URL_PORT=${port:-$default_port}
  if ! [[ $URL_PORT =~ ^[0-9]+$ ]] || ((URL_PORT < 1 || URL_PORT > 65535)); then
    svc_die "bad port '$URL_PORT' in $(svc_redact "$url")"
  fi
}

# Hides a password in a URL before it is printed.
svc_redact() { printf '%s' "$1" | sed -E 's#^([a-z]+://[^:/@]*):[^@/]*@#\1:***@#'; }

svc_is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }

# Addresses a private instance listens on for a configured local host.
svc_bind_addrs() {
  case $1 in
    127.0.0.1) printf '127.0.0.1' ;;
    ::1) printf '::1' ;;
    *) printf '127.0.0.1 ::1' ;;
  esac
}

# Bounded TCP exchange without client tools: prints the first reply line.
svc_tcp_ask() { # host port payload
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    [[ -n $3 ]] || exit 0
    printf "%s" "$3" >&3
    IFS= read -r -t 3 line <&3 || true
    printf "%s\n" "${line:-}"' _ "$1" "$2" "$3" 2>/dev/null
}

# Polls COMMAND... until it succeeds or SERVICES_WAIT_S passes.
svc_wait_for() {
  local deadline=$((SECONDS + SERVICES_WAIT_S))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

svc_pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
svc_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# --- packages ---------------------------------------------------------------

SVC_APT_UPDATED=0
svc_apt_install() { # what-for package...
  local what=$1
  shift
  if [[ $EUID -ne 0 ]]; then
    svc_die "$what is not installed; install it (sudo apt-get install -y $*) or point the URL at a running server"
  fi
  command -v apt-get >/dev/null || svc_die "$what is not installed and apt-get is missing; install $* yourself"
  mkdir -p "$SMSGW_DATA"
  svc_say "$what: installing $* with apt-get (log: .data/apt.log)"
  if ((SVC_APT_UPDATED == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$SMSGW_DATA/apt.log" 2>&1 9>&- ||
      svc_die "apt-get update failed (see .data/apt.log)"
    SVC_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 "$@" >>"$SMSGW_DATA/apt.log" 2>&1 9>&- ||
    svc_die "apt-get install $* failed (see .data/apt.log)"
}

svc_ensure_node_modules() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    svc_die "Node.js >= 20.11 and npm are required (node or npm not found)"
  fi
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 11) ? 0 : 1)' ||
    svc_die "Node.js >= 20.11 is required (found $(node --version))"
  local marker="$SMSGW_ROOT/node_modules/.package-lock.json" lock="$SMSGW_ROOT/package-lock.json" cmd
  if [[ -L $SMSGW_ROOT/node_modules ]]; then
    # npm ci would empty the link's target, which another checkout may be using.
    svc_say "npm: node_modules is a symbolic link; leaving it as it is"
    return
  fi
  if [[ -f $lock ]]; then
    if [[ -f $marker && ! $lock -nt $marker ]]; then
      svc_say "npm: node_modules up to date"
      return
    fi
    cmd=ci
  else
    if [[ -f $marker && ! $SMSGW_ROOT/package.json -nt $marker ]]; then
      svc_say "npm: node_modules up to date"
      return
    fi
    cmd=install
  fi
  mkdir -p "$SMSGW_DATA"
  svc_say "npm: installing dependencies (npm $cmd, log: .data/npm.log)"
  (cd "$SMSGW_ROOT" && npm "$cmd" --no-audit --no-fund) >"$SMSGW_DATA/npm.log" 2>&1 || {
    tail -n 20 "$SMSGW_DATA/npm.log" >&2
    svc_die "npm $cmd failed (see .data/npm.log)"
  }
}

# --- Redis ------------------------------------------------------------------

SVC_REDIS_DIR="$SMSGW_DATA/redis"

svc_redis_answers() { # host port
  local reply
  if command -v redis-cli >/dev/null; then
    reply=$(timeout 5 redis-cli -h "$1" -p "$2" ping 2>&1) || true
  else
    reply=$(svc_tcp_ask "$1" "$2" $'PING\r\n') || true
  fi
  # Any Redis answer counts: PONG, or an auth / loading error the client handles.
  [[ $reply =~ PONG|NOAUTH|WRONGPASS|LOADING ]]
}

svc_private_redis_pid() {
  local pid
  [[ -f $SVC_REDIS_DIR/redis.pid ]] || return 1
  pid=$(<"$SVC_REDIS_DIR/redis.pid")
  svc_pid_alive "$pid" && grep -q redis "/proc/$pid/comm" 2>/dev/null && printf '%s' "$pid"
}

svc_ensure_redis() {
  local url=${REDIS_URL:-redis://127.0.0.1:6379} shown pid binds
  shown=$(svc_redact "$url")
  svc_parse_url "$url" 6379
  [[ $URL_SCHEME == redis || $URL_SCHEME == rediss ]] || svc_die "REDIS_URL must start with redis:// or rediss:// (got $shown)"
  local host=$URL_HOST port=$URL_PORT

  if [[ $URL_SCHEME == rediss ]]; then
    svc_tcp_ask "$host" "$port" "" >/dev/null || svc_die "redis: $shown does not answer (TLS servers are never started here)"
    svc_say "redis: using $shown (already running)"
    return
  fi
  if svc_redis_answers "$host" "$port"; then
    if pid=$(svc_private_redis_pid); then
      svc_say "redis: using $shown (private instance in .data/redis, pid $pid, already running)"
    else
      svc_say "redis: using $shown (already running)"
    fi
    return
  fi
  svc_is_local "$host" || svc_die "redis: $shown does not answer and is not local; start it or fix REDIS_URL"

  if pid=$(svc_private_redis_pid); then
    svc_die "redis: the private instance (pid $pid) runs on port $(cat "$SVC_REDIS_DIR/port" 2>/dev/null || echo '?'), not $port; run scripts/services.sh stop first"
  fi
  if ! command -v redis-server >/dev/null; then
    svc_apt_install redis redis-server
    # The package may have started its own service on this port.
    if SERVICES_WAIT_S=3 svc_wait_for svc_redis_answers "$host" "$port"; then
      svc_say "redis: using $shown (system service started by the package)"
      return
    fi
  fi

  mkdir -p "$SVC_REDIS_DIR"
  read -r -a binds <<<"$(svc_bind_addrs "$host")"
  # Close the lock descriptor: the daemon must not inherit it.
  redis-server --daemonize yes --bind "${binds[@]}" --port "$port" \
    --dir "$SVC_REDIS_DIR" --appendonly yes --maxmemory-policy noeviction \
    --pidfile "$SVC_REDIS_DIR/redis.pid" --logfile "$SVC_REDIS_DIR/redis.log" 9>&- ||
    svc_die "redis: redis-server failed to start (see .data/redis/redis.log)"
  printf '%s\n' "$port" >"$SVC_REDIS_DIR/port"
  if ! svc_wait_for svc_redis_answers "$host" "$port"; then
    tail -n 5 "$SVC_REDIS_DIR/redis.log" >&2 || true
    svc_die "redis: private instance did not answer on $host:$port within ${SERVICES_WAIT_S}s (see .data/redis/redis.log)"
  fi
  svc_say "redis: started private instance for $shown (data in .data/redis)"
}

svc_stop_redis() {
  local pid
  if ! pid=$(svc_private_redis_pid); then
    svc_say "redis: no private instance running"
    return
  fi
  kill -TERM "$pid"
  svc_wait_for svc_pid_gone "$pid" || svc_die "redis: private instance (pid $pid) did not stop within ${SERVICES_WAIT_S}s"
  svc_say "redis: stopped private instance (pid $pid)"
}

# --- PostgreSQL -------------------------------------------------------------

SVC_PG_LINK="$SMSGW_DATA/pg"

# Newest installed server binaries (Debian layout first, then PATH).
svc_pg_bindir() {
  local want=${1:-} dir
  if [[ -n $want ]]; then
    dir="/usr/lib/postgresql/$want/bin"
    [[ -x $dir/postgres ]] && printf '%s' "$dir" && return
    [[ $(postgres --version 2>/dev/null) == *" $want."* ]] && dirname "$(command -v postgres)" && return
    return 1
  else
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    [[ -n $dir && -x $dir/initdb ]] && printf '%s' "$dir" && return
  fi
  command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
  return 1
}

# 0 accepting, 1 starting or shutting down, 2 no answer.
svc_pg_probe() { # host port
  local tool
  tool=$(svc_pg_bindir 2>/dev/null)/pg_isready
  [[ -x $tool ]] || tool=$(command -v pg_isready || true)
  if [[ -n $tool ]]; then
    local rc=0
    "$tool" -q -h "$1" -p "$2" -t 3 || rc=$?
    ((rc == 0 || rc == 1)) && return "$rc"
    return 2
  fi
  svc_tcp_ask "$1" "$2" "" >/dev/null && return 0
  return 2
}
svc_pg_answers() { svc_pg_probe "$@"; }

# Runs a server binary as the owner of the data directory (never as root).
svc_pg_run() {
  if [[ $EUID -eq 0 ]]; then
    # From /: the postgres user may not be allowed into the current directory.
    (cd / && exec runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Where the cluster lives: .data/pg, or (root only, when the postgres user
# cannot reach the repo, e.g. under /root) a directory in /var/lib/smsgw
# that .data/pg links to.
svc_pg_datadir() {
  if [[ -L $SVC_PG_LINK ]]; then
    readlink -f "$SVC_PG_LINK"
    return
  fi
  printf '%s' "$SVC_PG_LINK"
}

svc_pg_prepare_dir() {
  mkdir -p "$SMSGW_DATA"
  if [[ $EUID -ne 0 ]]; then
    mkdir -p "$SVC_PG_LINK"
    chmod 700 "$SVC_PG_LINK"
    return
  fi
  id -u postgres >/dev/null 2>&1 ||
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
  local dir=$SVC_PG_LINK
  if [[ ! -e $SVC_PG_LINK ]] && ! runuser -u postgres -- test -x "$SMSGW_DATA"; then
    dir="/var/lib/smsgw/$(printf '%s' "$SMSGW_ROOT" | md5sum | cut -c1-12)/pg"
    mkdir -p "$dir"
    ln -s "$dir" "$SVC_PG_LINK"
    svc_say "postgres: the postgres user cannot reach $SMSGW_DATA; cluster lives in $dir (linked from .data/pg)"
  fi
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
}

svc_ensure_postgres() {
  local url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/smsgw} shown rc=0
  shown=$(svc_redact "$url")
  svc_parse_url "$url" 5432
  [[ $URL_SCHEME == postgres || $URL_SCHEME == postgresql ]] ||
    svc_die "DATABASE_URL must start with postgres:// or postgresql:// (got $shown)"
  local host=$URL_HOST port=$URL_PORT user=${URL_USER:-postgres}

  svc_pg_probe "$host" "$port" || rc=$?
  if ((rc == 1)); then
    svc_wait_for svc_pg_answers "$host" "$port" || svc_die "postgres: $shown is starting but did not accept connections within ${SERVICES_WAIT_S}s"
    rc=0
  fi
  if ((rc == 0)); then
    if [[ $(sed -n 4p "$(svc_pg_datadir)/postmaster.pid" 2>/dev/null) == "$port" ]]; then
      svc_say "postgres: using $shown (private instance in .data/pg, already running)"
    else
      svc_say "postgres: using $shown (already running)"
    fi
    return
  fi
  svc_is_local "$host" || svc_die "postgres: $shown does not answer and is not local; start it or fix DATABASE_URL"

  local bindir pgdata version state=reused
  if ! bindir=$(svc_pg_bindir); then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
      # Install without the packaged "main" cluster: it would take port 5432
      # with password auth. Same approach as the official postgres image.
      svc_apt_install postgres postgresql-common
      sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
    fi
    svc_apt_install postgres postgresql
    bindir=$(svc_pg_bindir) || svc_die "postgres: initdb not found after installing postgresql"
  fi

  svc_pg_prepare_dir
  pgdata=$(svc_pg_datadir)
  if [[ -f $pgdata/PG_VERSION ]]; then
    version=$(<"$pgdata/PG_VERSION")
    bindir=$(svc_pg_bindir "$version") ||
      svc_die "postgres: .data/pg was made by PostgreSQL $version, whose binaries are not installed (install postgresql-$version or remove .data/pg)"
  elif [[ -n $(ls -A "$pgdata") ]]; then
    svc_die "postgres: $pgdata is not empty and not a PostgreSQL cluster; remove it"
  else
    svc_say "postgres: creating private cluster in .data/pg ($("$bindir/postgres" --version))"
    svc_pg_run "$bindir/initdb" -D "$pgdata" --auth=trust -U postgres --encoding=UTF8 --no-locale \
      >"$SMSGW_DATA/pg-initdb.log" 2>&1 || {
      tail -n 10 "$SMSGW_DATA/pg-initdb.log" >&2
      svc_die "postgres: initdb failed (see .data/pg-initdb.log)"
    }
  fi

  if svc_pg_run "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    local running_port
    running_port=$(sed -n 4p "$pgdata/postmaster.pid" 2>/dev/null || true)
    [[ $running_port == "$port" ]] ||
      svc_die "postgres: the private instance runs on port ${running_port:-?}, not $port; run scripts/services.sh stop first"
  else
    # Unix socket inside the data directory, unless the path is too long for one.
    local sockdir=$pgdata addrs
    ((${#pgdata} < 80)) || sockdir=""
    addrs=$(svc_bind_addrs "$host")
    state=started
    svc_pg_run "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -s -w -t "$SERVICES_WAIT_S" \
      -o "-p $port -c listen_addresses='${addrs// /,}' -c unix_socket_directories='$sockdir'" start 9>&- || {
      tail -n 5 "$pgdata/server.log" >&2 || true
      svc_die "postgres: private instance failed to start on $host:$port (see .data/pg/server.log)"
    }
  fi
  svc_wait_for svc_pg_answers "$host" "$port" ||
    svc_die "postgres: private instance did not accept connections on $host:$port within ${SERVICES_WAIT_S}s"

  # A DATABASE_URL naming another user gets that role (it creates its database).
  if [[ $user != postgres ]]; then
    [[ $user =~ ^[a-z_][a-z0-9_]*$ ]] || svc_die "postgres: cannot create role '$user' (use a plain lower-case name)"
    if [[ $(svc_pg_run "$bindir/psql" -h "$host" -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$user'") != 1 ]]; then
      svc_pg_run "$bindir/psql" -q -h "$host" -p "$port" -U postgres -d postgres -c "CREATE ROLE \"$user\" LOGIN CREATEDB" >/dev/null ||
        svc_die "postgres: could not create role $user"
    fi
  fi
  svc_say "postgres: $state private instance for $shown (data in .data/pg)"
}

svc_stop_postgres() {
  local pgdata version bindir
  pgdata=$(svc_pg_datadir)
  if [[ ! -f $pgdata/PG_VERSION ]]; then
    svc_say "postgres: no private instance"
    return
  fi
  version=$(<"$pgdata/PG_VERSION")
  bindir=$(svc_pg_bindir "$version") || svc_die "postgres: binaries for PostgreSQL $version not found"
  if ! svc_pg_run "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    svc_say "postgres: no private instance running"
    return
  fi
  svc_pg_run "$bindir/pg_ctl" -D "$pgdata" -s -w -t "$SERVICES_WAIT_S" -m fast stop ||
    svc_die "postgres: private instance did not stop within ${SERVICES_WAIT_S}s"
  svc_say "postgres: stopped private instance"
}

# --- Kannel (test tool, SMPP interop) ---------------------------------------
#
# The SMPP interop test (test/integration/smpp/kannel-interop.test.ts) binds
# Debian's Kannel (bearerbox + smsbox) to smsgw. `scripts/services.sh kannel`
# installs it when it is missing and we are root with apt-get; otherwise it
# says so and the test skips itself. Never fatal: Kannel is a test tool only,
# and the package's own service is stopped and disabled (the test runs its
# own bearerbox and smsbox on free ports).

svc_ensure_kannel() {
  if [[ -x /usr/sbin/bearerbox && -x /usr/sbin/smsbox ]]; then
    svc_say "kannel: installed"
    return
  fi
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    svc_say "kannel: not installed and cannot install it here (needs root and apt-get); the SMPP interop test will be skipped"
    return
  fi
  mkdir -p "$SMSGW_DATA"
  svc_say "kannel: installing kannel with apt-get (log: .data/apt.log)"
  if ((SVC_APT_UPDATED == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$SMSGW_DATA/apt.log" 2>&1 9>&- || true
    SVC_APT_UPDATED=1
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends kannel >>"$SMSGW_DATA/apt.log" 2>&1 9>&-; then
    svc_say "kannel: apt-get install kannel failed (see .data/apt.log); the SMPP interop test will be skipped"
    return
  fi
  # The package may start its own boxes with the sample config; the test runs its own.
  { command -v systemctl >/dev/null && systemctl disable --now kannel >/dev/null 2>&1; } || true
  { [[ -x /etc/init.d/kannel ]] && /etc/init.d/kannel stop >/dev/null 2>&1; } || true
  svc_say "kannel: installed"
}

# --- Chromium (test tool, web console end-to-end tests) ---------------------
#
# test/e2e drives the web console in Debian's headless Chromium through
# playwright-core (Playwright's own browser download does not work offline).
# `scripts/services.sh chromium` installs the package when it is missing and
# we are root with apt-get; otherwise it says so and the browser tests skip
# themselves. Never fatal: Chromium is a test tool only.

svc_ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    svc_say "chromium: installed"
    return
  fi
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    svc_say "chromium: not installed and cannot install it here (needs root and apt-get); the browser tests will be skipped"
    return
  fi
  mkdir -p "$SMSGW_DATA"
  svc_say "chromium: installing chromium with apt-get (log: .data/apt.log)"
  if ((SVC_APT_UPDATED == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$SMSGW_DATA/apt.log" 2>&1 9>&- || true
    SVC_APT_UPDATED=1
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 chromium >>"$SMSGW_DATA/apt.log" 2>&1 9>&-; then
    svc_say "chromium: apt-get install chromium failed (see .data/apt.log); the browser tests will be skipped"
    return
  fi
  svc_say "chromium: installed"
}

# --- main -------------------------------------------------------------------

svc_main() {
  local action=${1:-up}
  [[ $SERVICES_WAIT_S =~ ^[0-9]+$ ]] || svc_die "SERVICES_WAIT_S must be a number of seconds"
  mkdir -p "$SMSGW_DATA"
  # One run at a time (start and test may race on a fresh machine).
  if command -v flock >/dev/null; then
    exec 9>"$SMSGW_DATA/services.lock"
    flock -w 600 9 || svc_die "another scripts/services.sh run holds .data/services.lock"
  fi
  case $action in
    up)
      svc_ensure_node_modules
      svc_ensure_redis
      svc_ensure_postgres
      ;;
    kannel)
      svc_ensure_kannel
      ;;
    chromium)
      svc_ensure_chromium
      ;;
    stop)
      svc_stop_redis
      svc_stop_postgres
      ;;
    *) svc_die "usage: scripts/services.sh [up|kannel|chromium|stop]" ;;
  esac
  exec 9>&-
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  svc_main "$@"
else
  svc_main up
fi
