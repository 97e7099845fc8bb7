import { requestGate } from '../cli/gate-client.js';
import { LOCAL_ACCOUNTS, LOCAL_OPERATORS, type LocalAccount } from './local-seed.js';

/**
 * Onboards local mode's demo accounts through the admin API over HTTP, as an operator does
 * with `npm run accounts` (docs/runbooks/onboarding-an-account.md): one risk manager creates
 * the account with its first limits as a proposal, a different one applies it. Idempotent on
 * an existing local database: an account already trading (or disabled by someone) is left as
 * it is; one left pending by an interrupted start gets its proposal applied.
 */
export async function onboardLocalAccounts(
  gateUrl: string,
  accounts: readonly LocalAccount[] = LOCAL_ACCOUNTS,
): Promise<void> {
  for (const account of accounts) await onboard(gateUrl, account);
}

interface AccountDetailsBody {
  readonly account: { readonly readiness: 'trading' | 'pending_limits' | 'disabled' };
  readonly pending_proposals: readonly { readonly proposal_id: string }[];
}

async function onboard(gateUrl: string, account: LocalAccount): Promise<void> {
  const path = `/v1/admin/accounts/${encodeURIComponent(account.accountId)}`;
  const shown = await requestGate(gateUrl, 'GET', path);
  let proposalId: string | undefined;
  if (shown.status === 404) {
    const created = expectOk(
      'create',
      account,
      await requestGate(gateUrl, 'POST', '/v1/admin/accounts', {
        account_id: account.accountId,
        display_name: account.displayName,
        kind: account.kind,
        limits: account.limits,
        actor: LOCAL_OPERATORS.proposer,
        reason: 'local mode demo account',
      }),
    ) as { proposal_id: string };
    proposalId = created.proposal_id;
  } else {
    const details = expectOk('show', account, shown) as AccountDetailsBody;
    if (details.account.readiness !== 'pending_limits') return;
    proposalId = details.pending_proposals[0]?.proposal_id;
    if (!proposalId) throw new Error(`local onboarding: ${account.accountId} has no limits and no proposal`);
  }
  expectOk(
    'apply limits',
    account,
    await requestGate(gateUrl, 'POST', `${path}/limits/proposals/${encodeURIComponent(proposalId)}/apply`, {
      actor: LOCAL_OPERATORS.approver,
    }),
  );
}

function expectOk(step: string, account: LocalAccount, answer: { status: number; text: string }): unknown {
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(`local onboarding of ${account.accountId}: ${step} answered ${answer.status} ${answer.text}`);
  }
  return JSON.parse(answer.text) as unknown;
}
