import type pg from 'pg';
import { DATABASE_ROLES, type DatabaseUnit, databaseLoginUser } from '../../shared/names.js';
import { local } from '../local-env.js';

/** Every unit that has a database role (migration 011). */
export const DATABASE_UNITS = Object.keys(DATABASE_ROLES) as DatabaseUnit[];

/**
 * Local logins of the unit users: in AWS they authenticate with IAM tokens and have no
 * password; here they get the local password so the same URL works whatever pg_hba says for
 * 127.0.0.1 (trust on these machines, scram on a stock install). Run after the migrations.
 */
export async function setLocalUnitPasswords(owner: pg.ClientBase): Promise<void> {
  for (const unit of DATABASE_UNITS) {
    await owner.query(`ALTER ROLE ${databaseLoginUser(unit)} PASSWORD '${local.dbPassword.replaceAll("'", "''")}'`);
  }
}
