import { runPreflight } from '../infra/preflight.js';

/**
 * `npm run preflight -- --stage <dev|staging|prod> [--set KEY=VALUE ...]`
 * Exit 0 when the stage's config and synthesised templates pass every guardrail, 1 with
 * the list of problems otherwise. `--set` overrides a runtime setting (to rehearse what
 * the guards refuse, e.g. `--set SIMULATION_MODE=true`).
 */
const args = process.argv.slice(2);
const stage = args[args.indexOf('--stage') + 1];
if (!args.includes('--stage') || !stage) {
  console.error('usage: npm run preflight -- --stage <dev|staging|prod> [--set KEY=VALUE ...]');
  process.exit(2);
}
const overrides: Record<string, string> = {};
args.forEach((arg, i) => {
  if (arg === '--set') {
    const [key, ...value] = (args[i + 1] ?? '').split('=');
    if (key) overrides[key] = value.join('=');
  }
});
process.env.CDK_DISABLE_VERSION_CHECK = '1';
const result = runPreflight(stage, overrides);
if (result.problems.length > 0) {
  console.error(`preflight ${stage}: REFUSED\n  - ${result.problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`preflight ${stage}: OK (${result.checks} guardrail checks passed)`);
