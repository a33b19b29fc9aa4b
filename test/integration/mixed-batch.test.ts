/**
 * A mixed batch of 1,000 messages from two accounts, with every outcome the
 * simulator can give: afterwards no message is outside a final state, each
 * message was charged at most once and refunded at most once, and every
 * account's ledger sums to its balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    simulatorOptions: {
      dlrDelayMs: 10,
      rules: [
        { prefix: '98999', stat: 'UNDELIV' },
        { prefix: '98998', stat: 'REJECTD' },
        { prefix: '98997', stat: 'EXPIRED' },
      ],
    },
  });
});

afterAll(async () => {
  await t?.stop();
});

const PREFIXES = ['98912', '98999', '98998', '98997'];

function numbers(count: number, offset: number): string[] {
  return Array.from({ length: count }, (_, i) => `${PREFIXES[i % PREFIXES.length]}${String(offset + i).padStart(7, '0')}`);
}

describe('after a mixed batch of 1,000 messages', () => {
  it('every message is final, money moved at most once per message, and ledgers sum to balances', { timeout: 90_000 }, async () => {
    // Account A can pay for everything; account B only for part of its messages (the rest are refused or rejected).
    const a = await t.customer(100_000);
    const b = await t.customer(1_500);
    const sends = [
      t.asApp(a.creds, 'POST', '/api/v1/messages', { to: numbers(400, 0), text: 'short one' }),
      t.asApp(a.creds, 'POST', '/api/v1/messages', { to: numbers(200, 400), text: 'long '.repeat(50) }), // 2 parts
      ...Array.from({ length: 4 }, (_, i) => t.asApp(b.creds, 'POST', '/api/v1/messages', { to: numbers(100, 600 + i * 100), text: `b batch ${i}` })),
    ];
    const results = await Promise.all(sends);
    const acceptedIds = results.filter((r) => r.status === 202).flatMap((r) => r.body.messages.map((m: { id: string }) => m.id));
    const refused = results.filter((r) => r.status === 402).length;
    expect(results.every((r) => r.status === 202 || r.status === 402)).toBe(true);
    expect(acceptedIds.length + refused * 100).toBe(1000);

    const db = t.gw.db;
    await eventually(async () => {
      const { rows } = await db.raw(`SELECT count(*)::int AS n FROM messages WHERE status NOT IN ('delivered','undelivered','expired','failed','rejected')`);
      return rows[0].n === 0 ? true : undefined;
    }, 60_000, 'every message to be final');

    const { rows: total } = await db.raw('SELECT count(*)::int AS n FROM messages');
    expect(total[0].n).toBe(acceptedIds.length);

    const { rows: twice } = await db.raw(`SELECT message_id, kind FROM ledger WHERE message_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(twice).toEqual([]);

    // Refunds exactly for charged messages that did not end delivered.
    const { rows: wrongRefunds } = await db.raw(`
      SELECT m.id, m.status, bool_or(l.kind = 'charge') AS charged, bool_or(l.kind = 'refund') AS refunded
      FROM messages m LEFT JOIN ledger l ON l.message_id = m.id
      GROUP BY m.id, m.status
      HAVING bool_or(l.kind = 'refund') IS DISTINCT FROM (bool_or(l.kind = 'charge') AND m.status <> 'delivered')`);
    expect(wrongRefunds).toEqual([]);

    const { rows: mismatched } = await db.raw(`
      SELECT a.id, a.balance, COALESCE(sum(l.amount), 0)::bigint AS ledger
      FROM accounts a LEFT JOIN ledger l ON l.account_id = a.id
      GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(sum(l.amount), 0)`);
    expect(mismatched).toEqual([]);

    const { rows: statuses } = await db.raw(`SELECT status, count(*)::int AS n FROM messages GROUP BY status`);
    const by = Object.fromEntries(statuses.map((r: { status: string; n: number }) => [r.status, r.n]));
    expect(by.delivered).toBeGreaterThan(0);
    expect(by.undelivered).toBeGreaterThan(0);
    expect(by.rejected).toBeGreaterThan(0);
    expect(by.expired).toBeGreaterThan(0);

    // Account B's money: what was delivered is what it paid.
    const { rows: bPaid } = await db.raw(`SELECT COALESCE(sum(price), 0)::int AS paid FROM messages WHERE account_id = ? AND status = 'delivered'`, [b.accountId]);
    expect((await t.admin('GET', `/api/v1/accounts/${b.accountId}`)).body.balance).toBe(1_500 - bPaid[0].paid);
  });
});
