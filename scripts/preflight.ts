import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { runPreflight, runSecretsPreflight } from '../infra/preflight.js';

/**
 * `npm run preflight -- --stage <dev|staging|prod> [--set KEY=VALUE ...]`
 * Exit 0 when the stage's config and synthesised templates pass every guardrail, 1 with
 * the list of problems otherwise. `--set` overrides a runtime setting (to rehearse what
 * the guards refuse, e.g. `--set SIMULATION_MODE=true`).
 *
 * `npm run preflight -- --stage <stage> --check-secrets --coingecko-secret <arn> [--accounts id,id]`
 * With the stage's AWS credentials, after a deploy and before trading: refuses while the
 * CoinGecko key (the stateful stack's CoinGeckoApiKeySecretArn output) or an enabled
 * account's Kraken key still holds a placeholder or is missing.
 */
const USAGE =
  'usage: npm run preflight -- --stage <dev|staging|prod> [--set KEY=VALUE ...]\n' +
  '       npm run preflight -- --stage <stage> --check-secrets --coingecko-secret <arn> [--accounts id,id]';
const args = process.argv.slice(2);
const flagValue = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const stage = flagValue('--stage');
if (!stage) {
  console.error(USAGE);
  process.exit(2);
}

const result = args.includes('--check-secrets') ? await checkSecrets(stage) : checkTemplates(stage);
if (result.problems.length > 0) {
  console.error(`preflight ${stage}: REFUSED\n  - ${result.problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`preflight ${stage}: OK (${result.checks} checks passed)`);

function checkTemplates(stage: string) {
  const overrides: Record<string, string> = {};
  args.forEach((arg, i) => {
    if (arg === '--set') {
      const [key, ...value] = (args[i + 1] ?? '').split('=');
      if (key) overrides[key] = value.join('=');
    }
  });
  process.env.CDK_DISABLE_VERSION_CHECK = '1';
  return runPreflight(stage, overrides);
}

async function checkSecrets(stage: string) {
  const coinGeckoSecretId = flagValue('--coingecko-secret');
  if (!coinGeckoSecretId) {
    console.error(USAGE);
    process.exit(2);
  }
  const accountIds = (flagValue('--accounts') ?? '').split(',').filter((id) => id.length > 0);
  // Region and endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL), like every client here.
  const client = new SecretsManagerClient({});
  const read = async (secretId: string): Promise<string | null> => {
    try {
      return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? null;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw error;
    }
  };
  return runSecretsPreflight({ stage, read, coinGeckoSecretId, accountIds });
}
