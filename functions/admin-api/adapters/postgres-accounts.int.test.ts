import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountAlreadyExistsError, UnknownKeyAccountError } from '../../../shared/domain/accounts/account.js';
import { SecondApproverRequiredError } from '../../../shared/domain/controls/errors.js';
import { NotFoundError } from '../../../shared/domain/errors.js';
import { TABLES } from '../../../shared/names.js';
import { databaseUrl } from '../../../test/local-env.js';
import { PostgresAccountAdministration } from './postgres-accounts.js';
import { PostgresLimitsAdmin } from './postgres-controls.js';

/** Account administration on the real tables: each change and its audit row in one transaction. */
const suffix = randomUUID().slice(0, 8);
let pool: pg.Pool;
let accounts: PostgresAccountAdministration;
let limits: PostgresLimitsAdmin;

const desk = (accountId: string, krakenKeyAccount = accountId) => ({
  accountId,
  displayName: `Desk ${accountId}`,
  kind: 'strategy' as const,
  krakenKeyAccount,
});
const audit = (actor = 'alice') => ({ eventId: randomUUID(), actor });

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: databaseUrl() });
  accounts = new PostgresAccountAdministration(pool);
  limits = new PostgresLimitsAdmin(pool);
});

afterAll(async () => {
  await pool.end();
});

describe('Class: PostgresAccountAdministration', () => {
  it('creates an account, its audit row and its first proposal; limits are in force only once applied', async () => {
    // Prepare
    const id = `pa-${suffix}-a`;

    // Act
    const proposalId = await accounts.create(desk(id), { limits: { nav: '1000' }, reason: 'new' }, audit());
    const before = await accounts.get(id);
    const alone = limits.apply(id, proposalId, 'alice');
    await expect(alone).rejects.toBeInstanceOf(SecondApproverRequiredError);
    const version = await limits.apply(id, proposalId, 'bob');
    const after = await accounts.get(id);

    // Assess
    expect(before).toMatchObject({ accountId: id, enabled: true, limitsVersion: null, krakenKeyAccount: id });
    expect(version).toBe(1);
    expect(after?.limitsVersion).toBe(1);
    expect(await accounts.pendingProposals(id)).toEqual([]);
    expect(await accounts.history(id, 10)).toMatchObject([
      { action: 'create', actor: 'alice', reason: 'new', details: { proposal_id: proposalId } },
    ]);
    expect((await accounts.list()).map((a) => a.accountId)).toContain(id);
  });

  it('refuses a taken id and an unknown key account, leaving nothing behind', async () => {
    // Prepare
    const id = `pa-${suffix}-b`;
    await accounts.create(desk(id), { limits: { nav: '1000' }, reason: 'new' }, audit());
    const ghost = `pa-${suffix}-ghost`;

    // Act
    const taken = accounts.create(desk(id), { limits: { nav: '1' }, reason: 'again' }, audit());
    const orphan = accounts.create(desk(`pa-${suffix}-c`, ghost), { limits: { nav: '1' }, reason: 'sub' }, audit());

    // Assess
    await expect(taken).rejects.toBeInstanceOf(AccountAlreadyExistsError);
    await expect(orphan).rejects.toBeInstanceOf(UnknownKeyAccountError);
    expect(await accounts.get(`pa-${suffix}-c`)).toBeNull();
    expect(await accounts.pendingProposals(id)).toHaveLength(1);
  });

  it('records the key account of a sub-account and reads its own id when none was named', async () => {
    // Prepare
    const master = `pa-${suffix}-m`;
    const sub = `pa-${suffix}-s`;
    await accounts.create(desk(master), { limits: { nav: '1' }, reason: 'master' }, audit());

    // Act
    await accounts.create(desk(sub, master), { limits: { nav: '1' }, reason: 'sub' }, audit());

    // Assess
    expect((await accounts.get(sub))?.krakenKeyAccount).toBe(master);
    expect((await accounts.get(master))?.krakenKeyAccount).toBe(master);
  });

  it('disables and enables with an audit row per change; the audit cannot be edited', async () => {
    // Prepare
    const id = `pa-${suffix}-d`;
    await accounts.create(desk(id), { limits: { nav: '1' }, reason: 'new' }, audit());

    // Act
    const off = await accounts.setEnabled(id, false, { ...audit('bob'), reason: 'breach' });
    const offAgain = await accounts.setEnabled(id, false, { ...audit('bob'), reason: 'breach' });
    const on = await accounts.setEnabled(id, true, { ...audit('carol'), reason: 'cleared' });
    const unknown = accounts.setEnabled(`pa-${suffix}-none`, false, { ...audit(), reason: 'x' });
    // A function, not a promise: a rejection created now would be unhandled while the awaits below run.
    const tamper = () =>
      pool.query(`UPDATE ${TABLES.accountAdminLog} SET actor = 'mallory' WHERE account_id = $1`, [id]);

    // Assess
    expect([off, offAgain, on]).toEqual([true, false, true]);
    await expect(unknown).rejects.toBeInstanceOf(NotFoundError);
    await expect(tamper()).rejects.toThrow(/append-only/);
    expect((await accounts.history(id, 10)).map((e) => [e.action, e.actor])).toEqual([
      ['enable', 'carol'],
      ['disable', 'bob'],
      ['create', 'alice'],
    ]);
  });
});
