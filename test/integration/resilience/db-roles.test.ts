/**
 * Least privilege in PostgreSQL (src/db/db-roles.ts, `npm run db:roles`):
 * a test database gets an owner, an application and a read-only role (names
 * unique to this run: roles are cluster-wide; dropped afterwards); a whole
 * gateway then runs with DATABASE_URL = the application role and
 * MIGRATION_DATABASE_URL = the owner, and a message is delivered and
 * another one refunded. Then, as the application role, the ledger (and the
 * audit log) cannot be changed or emptied and no table can be altered or
 * dropped; the read-only role cannot write at all.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDbRoles, dropDbRoles, type DbRoleNames } from '../../../src/db/db-roles';
import { allFinal } from '../../helpers/carriers';
import { createTestDatabase } from '../../helpers/db';
import { startTestGateway, type TestGateway } from '../../helpers/gateway';

const tag = randomBytes(4).toString('hex');
const roles: DbRoleNames = { owner: `smsgw_t${tag}_owner`, app: `smsgw_t${tag}_app`, readonly: `smsgw_t${tag}_ro` };
const passwords = { owner: `o-${randomBytes(8).toString('hex')}`, app: `a-${randomBytes(8).toString('hex')}`, readonly: `r-${randomBytes(8).toString('hex')}` };

let database: { url: string; drop: () => Promise<void> };
let t: TestGateway | undefined;

function urlAs(role: keyof DbRoleNames): string {
  const url = new URL(database.url);
  url.username = roles[role];
  url.password = passwords[role];
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with (undefined when it succeeds). */
async function failsWith(url: string, sql: string, params: unknown[] = []): Promise<string | undefined> {
  return withClient(url, async (c) => {
    try {
      await c.query(sql, params);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  });
}

const INSUFFICIENT_PRIVILEGE = '42501';

beforeAll(async () => {
  database = await createTestDatabase();
  await withClient(database.url, async (admin) => {
    await applyDbRoles(admin, { roles, passwords });
    await applyDbRoles(admin, { roles }); // idempotent: a second run changes nothing and does not fail
  });
  t = await startTestGateway({
    simulatorOptions: { dlrDelayMs: 20, rules: [{ prefix: '98999', stat: 'UNDELIV', err: '001' }] },
    env: { DATABASE_URL: urlAs('app'), MIGRATION_DATABASE_URL: urlAs('owner') },
  });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  if (database) {
    await withClient(database.url, (admin) => dropDbRoles(admin, roles)).catch((error: unknown) => console.warn('dropping roles failed', error));
    await database.drop();
  }
});

describe('the gateway as a data-only database role', () => {
  it('delivers one message and refunds an undelivered one, with the ledger equal to the balance', async () => {
    const gw = t!;
    // The process really is the application role.
    const { rows: who } = await gw.gw.db.raw('SELECT current_user AS u');
    expect(who[0].u).toBe(roles.app);
    const { creds, accountId } = await gw.customer(1_000);
    const r = await gw.asApp(creds, 'POST', '/api/v1/messages', { to: ['989121234567', '989991234567'], text: 'least privilege' });
    expect(r.status).toBe(202);
    const [delivered, refunded] = r.body.messages.map((m: { id: string }) => m.id) as [string, string];
    const final = await allFinal(gw, [delivered, refunded], 15_000);
    expect(final.get(delivered)).toBe('delivered');
    expect(final.get(refunded)).toBe('undelivered');
    const { rows } = await gw.gw.db.raw(`SELECT message_id, kind FROM ledger WHERE account_id = ? AND message_id IS NOT NULL ORDER BY message_id, kind`, [accountId]);
    expect(rows).toEqual(
      [
        { message_id: delivered, kind: 'charge' },
        { message_id: refunded, kind: 'charge' },
        { message_id: refunded, kind: 'refund' },
      ].sort((a, b) => (a.message_id + a.kind).localeCompare(b.message_id + b.kind)),
    );
    const { rows: sums } = await gw.gw.db.raw(
      `SELECT a.balance::bigint AS balance, (SELECT sum(amount) FROM ledger l WHERE l.account_id = a.id)::bigint AS ledger FROM accounts a WHERE a.id = ?`,
      [accountId],
    );
    expect(sums[0]).toEqual({ balance: 1_000 - 5, ledger: 1_000 - 5 });
  });

  it('cannot update, delete or truncate ledger or audit_log rows, nor alter, drop or create tables', async () => {
    const app = urlAs('app');
    expect(await failsWith(app, `UPDATE ledger SET amount = amount + 1000`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `DELETE FROM ledger`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `TRUNCATE ledger`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `UPDATE audit_log SET id = id`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `DELETE FROM audit_log`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `TRUNCATE audit_log`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `TRUNCATE messages`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `DROP TABLE ledger`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `DROP TABLE messages`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `ALTER TABLE accounts ADD COLUMN x int`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_pkey`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `CREATE TABLE evil (id int)`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(app, `DELETE FROM knex_migrations`)).toBe(INSUFFICIENT_PRIVILEGE);
    // What the gateway needs still works: appending to the ledger, reading it, updating messages.
    const { rows } = await withClient(app, (c) => c.query(`SELECT count(*)::int AS n FROM ledger`));
    expect(rows[0].n).toBeGreaterThan(0);
    expect(await failsWith(app, `UPDATE messages SET updated_at = updated_at WHERE false`)).toBeUndefined();
  });

  it('the read-only role reads every table and writes none', async () => {
    const ro = urlAs('readonly');
    const { rows } = await withClient(ro, (c) => c.query(`SELECT (SELECT count(*) FROM messages)::int AS m, (SELECT count(*) FROM ledger)::int AS l`));
    expect(rows[0].m).toBeGreaterThan(0);
    expect(rows[0].l).toBeGreaterThan(0);
    expect(await failsWith(ro, `INSERT INTO accounts (name) VALUES ('x')`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(ro, `UPDATE accounts SET balance = balance + 1`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(ro, `DELETE FROM messages`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(ro, `INSERT INTO ledger (account_id, kind, amount) SELECT id, 'credit', 1 FROM accounts LIMIT 1`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(ro, `CREATE TABLE evil (id int)`)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('a table a later migration adds (created by the owner) gets the same grants without rerunning db:roles', async () => {
    const table = `later_${tag}`;
    await withClient(urlAs('owner'), (c) => c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`));
    expect(await failsWith(urlAs('app'), `INSERT INTO ${table} VALUES (1, 'a')`)).toBeUndefined();
    expect(await failsWith(urlAs('app'), `UPDATE ${table} SET note = 'b'`)).toBeUndefined();
    expect(await failsWith(urlAs('readonly'), `SELECT * FROM ${table}`)).toBeUndefined();
    expect(await failsWith(urlAs('readonly'), `INSERT INTO ${table} VALUES (2, 'c')`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await failsWith(urlAs('app'), `DROP TABLE ${table}`)).toBe(INSUFFICIENT_PRIVILEGE);
  });
});
