#!/usr/bin/env bash
# What `npm test` runs: services, type check, then vitest with any extra
# arguments (`npm test -- test/unit` runs one folder). The exit code is
# vitest's. The vitest global setup creates the test databases itself.
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

echo "test: running vitest"
exec npx --no -- vitest run "$@"
