#!/usr/bin/env bash
# Runs the product locally on embedded defaults: installs npm dependencies, starts the local
# services, applies migrations, runs the stage's producers and onboards the demo accounts
# (scripts/local/local-mode.ts), then serves the risk API on 127.0.0.1:${PORT:-8080}.
# Set RISK_STATE=memory to run with no PostgreSQL/Redis at all (in-memory adapters).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_node_modules
if [ "${RISK_STATE:-stores}" != "memory" ]; then
  bash scripts/services.sh up
fi
exec npx --no-install tsx scripts/local/start-local.ts "$@"
