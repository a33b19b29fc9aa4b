#!/usr/bin/env bash
# What `npm test` runs: services, type check, then vitest with any extra
# arguments (`npm test -- test/unit` runs one folder, in one vitest run). The
# exit code is vitest's (non-zero when either run below failed). The vitest
# global setup creates the test databases itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh
# Test tools (best effort; a test whose tool is missing skips itself).
bash scripts/services.sh kannel
bash scripts/services.sh chromium

# The web console (test/e2e drives it in Chromium): built when its sources are newer than console/dist.
bash console/build.sh || {
  echo "error: the web console did not build (see above)" >&2
  exit 1
}

echo "test: type-checking (tsc --noEmit)"
# --no: never download a package named like the command.
npx --no -- tsc --noEmit || {
  echo "error: type check failed (see above)" >&2
  exit 1
}

# Latency tests that measure the gateway against a wall-clock bound run alone, after the rest:
# beside another test file on a 2-core machine they measure that file's CPU use, not the gateway
# (the fair-dispatch test asks for express messages at the carrier within 1 s of submission).
SOLO=(test/integration/campaigns/fair-dispatch.test.ts)

if [ "$#" -gt 0 ]; then
  echo "test: running vitest $*"
  exec npx --no -- vitest run "$@"
fi
echo "test: running vitest (all but ${SOLO[*]})"
status=0
npx --no -- vitest run $(printf -- '--exclude %s ' "${SOLO[@]}") || status=$?
echo "test: running vitest alone: ${SOLO[*]}"
npx --no -- vitest run "${SOLO[@]}" || status=$?
exit "$status"
