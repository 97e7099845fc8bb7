#!/usr/bin/env bash
# Synthesises the cloud assemblies of every stage (dev, staging, prod) offline into cdk.out,
# or into DIR with `-o DIR` / `--output DIR` (relative to where the command was run).
# Extra arguments go to `cdk synth` (e.g. `-c stage=prod`). BUILD_VERSION is the git revision
# unless `-c buildVersion=<id>` is given (infra/build-version.ts).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# npm runs scripts from the package root; INIT_CWD is where the user typed the command.
CALLER_DIR="${INIT_CWD:-$PWD}"
out="cdk.out"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o | --output)
      [ $# -ge 2 ] || die "$1 needs a directory"
      out="$2"
      shift 2
      ;;
    --output=*)
      out="${1#--output=}"
      shift
      ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done
[ "$out" = "cdk.out" ] || case "$out" in /*) ;; *) out="$CALLER_DIR/$out" ;; esac
ensure_node_modules
cd "$ROOT"
export CDK_DISABLE_VERSION_CHECK=1
npx cdk synth --quiet --no-notices --strict --output "$out" ${args[@]+"${args[@]}"}
ls -d "$out"/assembly-risk-gate-* | sed 's/^/synthesised: /'
