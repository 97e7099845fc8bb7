#!/usr/bin/env bash
# Synthesises the cloud assemblies of every stage (dev, staging, prod) offline into cdk.out.
# Extra arguments go to `cdk synth` (e.g. `-c stage=prod`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_modules
cd "$ROOT"
export CDK_DISABLE_VERSION_CHECK=1
npx cdk synth --quiet --no-notices --strict "$@"
ls -d cdk.out/assembly-risk-gate-* | sed 's/^/synthesised: /'
