import { describe, expect, it } from 'vitest';
import { AccountAlreadyExistsError } from '../../shared/domain/accounts/account.js';
import { SecondApproverRequiredError } from '../../shared/domain/controls/errors.js';
import { NotFoundError } from '../../shared/domain/errors.js';
import { type AccountAdminDeps, createAccount, listAccounts, setAccountEnabled, showAccount } from './accounts.js';
import { MemoryAccountBook, MemoryKeySecrets } from './test-support/memory-ports.js';

function deps() {
  const book = new MemoryAccountBook();
  const keys = new MemoryKeySecrets();
  let ids = 0;
  const ports: AccountAdminDeps = {
    accounts: book,
    limits: book,
    keys,
    newId: () => `00000000-0000-4000-9000-${String(++ids).padStart(12, '0')}`,
  };
  return { ports, book, keys };
}

const newDesk = {
  accountId: 'desk-1',
  displayName: 'Desk one',
  kind: 'strategy',
  limits: { nav: '100000' },
  reason: 'new desk',
  actor: 'alice',
} as const;

describe('Function: createAccount', () => {
  it('creates the account with no limits in force and its first limits as a proposal', async () => {
    // Prepare
    const { ports, book } = deps();

    // Act
    const created = await createAccount(newDesk, ports);

    // Assess
    expect(created).toMatchObject({
      account: { accountId: 'desk-1', enabled: true, limitsVersion: null, readiness: 'pending_limits' },
      krakenKeySecret: 'risk-gate/test/kraken/desk-1',
    });
    expect(await book.pendingProposals('desk-1')).toEqual([
      {
        proposalId: created.proposalId,
        limits: { nav: '100000' },
        proposedBy: 'alice',
        reason: 'new desk',
        proposedAt: expect.any(String),
      },
    ]);
    expect(await book.current('desk-1')).toBeNull();
  });

  it('is ready to trade only after the proposal is applied', async () => {
    // Prepare
    const { ports, book } = deps();
    const created = await createAccount(newDesk, ports);

    // Act
    await book.apply('desk-1', created.proposalId, 'bob');

    // Assess
    expect((await listAccounts(ports))[0]).toMatchObject({ limitsVersion: 1, readiness: 'trading' });
  });

  it('cannot be opened for trading by its creator alone: the proposer applying is SecondApproverRequiredError', async () => {
    // Prepare
    const { ports, book } = deps();
    const created = await createAccount(newDesk, ports);

    // Act
    const alone = book.apply('desk-1', created.proposalId, 'alice');

    // Assess
    await expect(alone).rejects.toBeInstanceOf(SecondApproverRequiredError);
    expect((await listAccounts(ports))[0]?.readiness).toBe('pending_limits');
  });

  it('names another account whose key it trades with', async () => {
    // Prepare
    const { ports } = deps();
    await createAccount({ ...newDesk, accountId: 'master' }, ports);

    // Act
    const sub = await createAccount({ ...newDesk, accountId: 'sub-1', krakenKeyAccount: 'master' }, ports);

    // Assess
    expect(sub.account.krakenKeyAccount).toBe('master');
    expect(sub.krakenKeySecret).toBe('risk-gate/test/kraken/master');
  });

  it('refuses an id already taken with AccountAlreadyExistsError', async () => {
    // Prepare
    const { ports } = deps();
    await createAccount(newDesk, ports);

    // Act
    const again = createAccount(newDesk, ports);

    // Assess
    await expect(again).rejects.toBeInstanceOf(AccountAlreadyExistsError);
  });
});

describe('Function: showAccount', () => {
  it('shows the key secret state, and "unknown" rather than failing when Secrets Manager does not answer', async () => {
    // Prepare
    const { ports, keys } = deps();
    await createAccount(newDesk, ports);
    keys.statuses.set('desk-1', 'placeholder');

    // Act
    const placeholder = await showAccount('desk-1', ports);
    keys.unavailable = true;
    const unreadable = await showAccount('desk-1', ports);

    // Assess
    expect(placeholder.krakenKey).toEqual({ secretName: 'risk-gate/test/kraken/desk-1', status: 'placeholder' });
    expect(unreadable.krakenKey.status).toBe('unknown');
  });

  it('refuses an unknown account with NotFoundError', async () => {
    // Act
    const showing = showAccount('nobody', deps().ports);

    // Assess
    await expect(showing).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('Function: setAccountEnabled', () => {
  it('disables then re-enables, auditing each change with its actor and nothing for a no-op', async () => {
    // Prepare
    const { ports, book } = deps();
    await createAccount(newDesk, ports);

    // Act
    const off = await setAccountEnabled({ accountId: 'desk-1', enabled: false, actor: 'bob', reason: 'breach' }, ports);
    const offAgain = await setAccountEnabled(
      { accountId: 'desk-1', enabled: false, actor: 'bob', reason: 'breach' },
      ports,
    );
    const on = await setAccountEnabled({ accountId: 'desk-1', enabled: true, actor: 'carol', reason: 'ok' }, ports);

    // Assess
    expect([off.changed, offAgain.changed, on.changed]).toEqual([true, false, true]);
    expect(off.account.readiness).toBe('disabled');
    expect((await showAccount('desk-1', ports)).history.map((e) => [e.action, e.actor])).toEqual([
      ['enable', 'carol'],
      ['disable', 'bob'],
      ['create', 'alice'],
    ]);
    expect(book.log).toHaveLength(3);
  });

  it('refuses an unknown account with NotFoundError', async () => {
    // Act
    const disabling = setAccountEnabled(
      { accountId: 'nobody', enabled: false, actor: 'bob', reason: 'breach' },
      deps().ports,
    );

    // Assess
    await expect(disabling).rejects.toBeInstanceOf(NotFoundError);
  });
});
