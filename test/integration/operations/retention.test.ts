/**
 * Retention on real PostgreSQL and BullMQ: messages are partitioned by month
 * (UUIDv7 id ranges); the repeatable retention job drops the months older
 * than MESSAGE_RETENTION_DAYS with their events, parts and dead letters,
 * deletes old rows of the default partition, keeps recent messages, creates
 * the coming months' partitions, deletes old MO messages, unmatched
 * receipts and emptied batches, and never touches the ledger (which still
 * sums to every balance).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonthPartitions, monthPartitions } from '../../../src/db/partition-store';
import { addMonths, monthOf, monthStart, partitionSuffix } from '../../../src/retention/months';
import { eventually, startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ env: { MESSAGE_RETENTION_DAYS: '90', RETENTION_INTERVAL_S: '10' }, simulatorOptions: { dlrDelayMs: 10 } });
});

afterAll(async () => {
  await t?.stop();
});

/** A UUIDv7 of the given time (the gateway's own generator is monotonic, so it never goes back). */
function uuidv7At(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sql = async <T = Record<string, unknown>>(text: string, bindings: unknown[] = []): Promise<T[]> =>
  ((await t.gw.db.raw(text, bindings as never[])) as { rows: T[] }).rows;

/** A charged, delivered message made `daysAgo` days ago, with events, a part, a charge and (optionally) a dead letter. */
async function oldMessage(accountId: string, appId: string, daysAgo: number, options: { id?: string; deadLetter?: boolean } = {}): Promise<string> {
  const at = new Date(Date.now() - daysAgo * 86_400_000);
  const id = options.id ?? uuidv7At(at.getTime());
  const [carrier] = await sql<{ id: string }>(`SELECT id FROM carriers WHERE name = 'simulator'`);
  await sql(
    `INSERT INTO messages (id, account_id, app_id, channel, to_number, text, encoding, parts, price, status, valid_until, created_at, updated_at)
     VALUES (?, ?, ?, 'http', '989121234567', 'old', 'gsm7', 1, 5, 'delivered', ?, ?, ?)`,
    [id, accountId, appId, at, at, at],
  );
  for (const status of ['accepted', 'queued', 'submitted', 'delivered']) {
    await sql(`INSERT INTO message_events (message_id, status, at) VALUES (?, ?, ?)`, [id, status, at]);
  }
  await sql(`INSERT INTO message_parts (message_id, part_index, carrier_id, carrier_message_id, status) VALUES (?, 0, ?, ?, 'delivered')`, [id, carrier!.id, randomUUID()]);
  await sql(`INSERT INTO ledger (account_id, message_id, kind, amount, created_at) VALUES (?, ?, 'charge', -5, ?)`, [accountId, id, at]);
  await sql(`UPDATE accounts SET balance = balance - 5 WHERE id = ?`, [accountId]);
  if (options.deadLetter) await sql(`INSERT INTO dead_letters (message_id, reason, attempts) VALUES (?, 'test', 3)`, [id]);
  return id;
}

async function ledgerMatchesBalance(accountId: string): Promise<void> {
  const [row] = await sql<{ balance: number; sum: number }>(
    `SELECT a.balance, (SELECT COALESCE(sum(amount), 0)::bigint FROM ledger WHERE account_id = a.id) AS sum FROM accounts a WHERE a.id = ?`,
    [accountId],
  );
  expect(row!.sum).toBe(row!.balance);
}

describe('retention', () => {
  it('keeps partitions ready for the current month and the next three', async () => {
    const months = (await monthPartitions(t.gw.db)).map(partitionSuffix);
    const now = monthOf(new Date());
    for (let i = 0; i <= 3; i++) expect(months).toContain(partitionSuffix(addMonths(now, i)));
  });

  it('drops months older than MESSAGE_RETENTION_DAYS with their events and parts, keeps recent ones and the whole ledger', async () => {
    const { accountId, creds } = await t.customer(1000);
    const sixMonthsAgo = addMonths(monthOf(new Date()), -6);
    const twoMonthsAgo = addMonths(monthOf(new Date()), -2);
    // The partitions such old data would have had when it was new.
    for (const m of [sixMonthsAgo, addMonths(sixMonthsAgo, 1), twoMonthsAgo]) await createMonthPartitions(t.gw.db, m);

    const expired = await oldMessage(accountId, creds.appId, Math.ceil((Date.now() - monthStart(sixMonthsAgo).getTime()) / 86_400_000) - 3, { deadLetter: true });
    // 40 days old: inside the retention (90 days), kept.
    const kept = await oldMessage(accountId, creds.appId, 40);
    // An id that is not UUIDv7 lands in the default partition; it goes by created_at.
    const oldDefault = await oldMessage(accountId, creds.appId, 200, { id: randomUUID() });
    const recentDefault = await oldMessage(accountId, creds.appId, 10, { id: randomUUID() });
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'fresh' });
    expect(sent.status).toBe(202);
    const fresh = sent.body.messages[0].id as string;
    const ledgerRowsBefore = (await sql(`SELECT id FROM ledger WHERE account_id = ?`, [accountId])).length;

    // The job runs every RETENTION_INTERVAL_S (10 s).
    await eventually(async () => ((await monthPartitions(t.gw.db)).some((m) => partitionSuffix(m) === partitionSuffix(sixMonthsAgo)) ? undefined : true), 25_000, 'the expired month to be dropped');
    await eventually(async () => ((await sql(`SELECT 1 FROM messages WHERE id = ?`, [oldDefault])).length === 0 ? true : undefined), 25_000, 'the old default-partition row to go');

    const { rows: tables } = (await t.gw.db.raw(`SELECT relname FROM pg_class WHERE relname LIKE ?`, [`%_${partitionSuffix(sixMonthsAgo)}`])) as { rows: unknown[] };
    expect(tables).toEqual([]);
    for (const id of [expired, oldDefault]) {
      expect(await sql(`SELECT 1 FROM messages WHERE id = ?`, [id])).toHaveLength(0);
      expect(await sql(`SELECT 1 FROM message_events WHERE message_id = ?`, [id])).toHaveLength(0);
      expect(await sql(`SELECT 1 FROM message_parts WHERE message_id = ?`, [id])).toHaveLength(0);
    }
    expect(await sql(`SELECT 1 FROM dead_letters WHERE message_id = ?`, [expired])).toHaveLength(0);
    for (const id of [kept, recentDefault]) {
      expect(await sql(`SELECT 1 FROM messages WHERE id = ?`, [id])).toHaveLength(1);
      expect(await sql(`SELECT 1 FROM message_events WHERE message_id = ?`, [id])).toHaveLength(4);
    }
    expect((await t.asApp(creds, 'GET', `/api/v1/messages/${fresh}`)).status).toBe(200);
    expect((await t.asApp(creds, 'GET', `/api/v1/messages/${kept}`)).body.status).toBe('delivered');
    expect((await t.asApp(creds, 'GET', `/api/v1/messages/${expired}`)).status).toBe(404);

    // The ledger keeps every row (the charge of a dropped message too) and still sums to the balance.
    expect(await sql(`SELECT kind, amount FROM ledger WHERE message_id = ?`, [expired])).toEqual([{ kind: 'charge', amount: -5 }]);
    await eventually(async () => ((await sql(`SELECT 1 FROM ledger WHERE message_id = ?`, [fresh])).length === 1 ? true : undefined), 10_000, 'the fresh message to be charged');
    expect((await sql(`SELECT id FROM ledger WHERE account_id = ?`, [accountId])).length).toBe(ledgerRowsBefore + 1);
    await ledgerMatchesBalance(accountId);
  });

  it('deletes MO messages, unmatched receipts and batches older than the retention, a batch only once its messages are gone', async () => {
    const { accountId, creds } = await t.customer(1000);
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
    const mo = async (age: number) => {
      const id = uuidv7At(daysAgo(age).getTime());
      await sql(`INSERT INTO mo_messages (id, app_id, from_number, to_number, text, received_at) VALUES (?, ?, '989121234567', '1000', 'mo', ?)`, [id, creds.appId, daysAgo(age)]);
      return id;
    };
    const receipt = async (age: number) =>
      (await sql<{ id: string }>(`INSERT INTO unmatched_receipts (carrier_message_id, stat, received_at) VALUES (?, 'DELIVRD', ?) RETURNING id::text AS id`, [randomUUID(), daysAgo(age)]))[0]!.id;
    const batch = async (age: number) => {
      const id = uuidv7At(daysAgo(age).getTime());
      await sql(`INSERT INTO batches (id, account_id, app_id, text, priority, validity_seconds, total, created, expanded_at, created_at) VALUES (?, ?, ?, 'hi', 'normal', 3600, 1, 1, ?, ?)`, [id, accountId, creds.appId, daysAgo(age), daysAgo(age)]);
      return id;
    };
    const [oldMo, newMo] = [await mo(200), await mo(10)];
    const [oldReceipt, newReceipt] = [await receipt(200), await receipt(10)];
    const [emptied, stillSending, recentBatch] = [await batch(200), await batch(200), await batch(10)];
    // The old batch whose message (40 days old, inside the retention) is still there keeps its row.
    const message = await oldMessage(accountId, creds.appId, 40);
    await sql(`UPDATE messages SET batch_id = ? WHERE id = ?`, [stillSending, message]);

    await eventually(async () => ((await sql(`SELECT 1 FROM mo_messages WHERE id = ?`, [oldMo])).length === 0 ? true : undefined), 25_000, 'the old MO message to go');
    await eventually(async () => ((await sql(`SELECT 1 FROM batches WHERE id = ?`, [emptied])).length === 0 ? true : undefined), 15_000, 'the emptied old batch to go');
    expect(await sql(`SELECT 1 FROM mo_messages WHERE id = ?`, [newMo])).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM unmatched_receipts WHERE id = ?::bigint`, [oldReceipt])).toHaveLength(0);
    expect(await sql(`SELECT 1 FROM unmatched_receipts WHERE id = ?::bigint`, [newReceipt])).toHaveLength(1);
    expect((await sql<{ id: string }>(`SELECT id FROM batches WHERE id = ANY(?::uuid[]) ORDER BY id`, [[stillSending, recentBatch]])).map((r) => r.id).sort()).toEqual([stillSending, recentBatch].sort());
    expect((await t.asApp(creds, 'GET', `/api/v1/batches/${stillSending}`)).status).toBe(200);
    expect((await t.asApp(creds, 'GET', `/api/v1/batches/${emptied}`)).status).toBe(404);
    await ledgerMatchesBalance(accountId);
  });
});
