#!/usr/bin/env bash
# What `npm start` runs: the gateway as the environment configures it.
#
# 1. .env at the repo root, if present, fills in variables that are not set
#    (KEY=value lines only; nothing in it is executed). See config/.env.example.
# 2. scripts/services.sh: node_modules installed, Redis and PostgreSQL answer
#    (private instances under .data/ only when the configured ones do not).
# 3. npm run migrate: creates the database if missing and migrates it.
# 4. exec the gateway, so it receives signals directly: with GATEWAY_ROLES
#    set, one process with those roles (src/main.ts); unset, src/launcher.ts,
#    an edge process (api,smpp; the simulator) and a workers process
#    (HTTP_PORT+1 for health and metrics), so both cores are used.
#
# Defaults here: SIMULATOR=1, so a bare `npm start` shows a message delivered.
# Variables set explicitly always win; an empty value counts as unset, as in
# the gateway's config. With every variable set this is the production entry.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

load_env_file() {
  local file=$1 line key value n=0
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    line=${line#export }
    if ! [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      echo "error: $file line $n is not KEY=value" >&2
      exit 1
    fi
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    else
      value=${value%%[[:space:]]#*}
      value=${value%"${value##*[![:space:]]}"}
    fi
    [[ -n ${!key:-} ]] || export "$key=$value"
  done <"$file"
}

if [[ -f .env ]]; then
  load_env_file .env
  echo "start: read .env (variables already set were kept)"
fi

export SIMULATOR="${SIMULATOR:-1}"

bash scripts/services.sh

# The web console at /console: built when its sources are newer than console/dist. Not fatal:
# without a build the gateway runs and /console answers 503 saying how to build it.
bash console/build.sh || echo "warning: the web console did not build; /console answers 503 until \`npm run console:build\` succeeds" >&2

echo "start: running migrations (npm run migrate)"
npm run --silent migrate || {
  echo "error: migrations failed (see above); the gateway was not started" >&2
  exit 1
}

if [[ -n ${GATEWAY_ROLES:-} ]]; then
  echo "start: starting the gateway (roles ${GATEWAY_ROLES}, simulator ${SIMULATOR})"
  exec node --import tsx src/main.ts
fi
echo "start: starting the gateway as two processes, edge (api,smpp) and workers (simulator ${SIMULATOR}; set GATEWAY_ROLES for one process)"
exec node --import tsx src/launcher.ts
