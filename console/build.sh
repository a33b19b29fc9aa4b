#!/usr/bin/env bash
# Builds the web console (console/dist) when it is missing or older than its
# sources; `npm start` and `npm test` run this, so an unchanged console costs
# one `find`. `--force` builds anyway. The gateway serves console/dist at
# /console (src/http/console-routes.ts) and answers 503 while it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

stamp=dist/index.html
if [[ ${1:-} != --force && -f $stamp ]] &&
  [[ -z $(find src index.html vite.config.ts tsconfig.json ../package-lock.json -newer "$stamp" -print -quit 2>/dev/null) ]]; then
  echo "console: build up to date"
  exit 0
fi
echo "console: building (tsc + vite, output console/dist)"
cd ..
npx --no -- tsc -p console/tsconfig.json
npx --no -- vite build console --logLevel warn
echo "console: built"
