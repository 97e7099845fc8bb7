#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs npm dependencies, installs and starts
# the local services (PostgreSQL, Redis, kinesis-local, the AWS emulator), then runs lint,
# the type check and every vitest project (unit, integration, CDK + cdk-nag).
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
export CDK_DISABLE_VERSION_CHECK=1
started=$(date +%s)

ensure_node_modules
bash scripts/services.sh up

log "lint (biome), type check (tsc --noEmit) and import boundaries"
npx --no-install biome check . --diagnostic-level=error
npx --no-install tsc --noEmit -p tsconfig.json
npx --no-install tsx scripts/check-boundaries.ts

report="$STATE_DIR/vitest-report.json"
rm -f "$report"
set +e
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
set -e

# A plain closing line, and a guard against a run that executed nothing or skipped tests.
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const r = JSON.parse(readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) { console.error("no test was executed"); process.exit(1); }
  if (skipped > 0) { console.error("skipped tests are not allowed: every test must run"); process.exit(1); }
' "$report" || status=1
log "test suite finished in $(( $(date +%s) - started ))s with exit code $status"
exit "$status"
