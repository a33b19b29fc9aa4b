/**
 * Cancelling a batch on real PostgreSQL, Redis, BullMQ and the SMPP
 * simulator: half-way through on a slow carrier, what no carrier has yet
 * ends rejected CANCELLED and refunded exactly; before its scheduled time,
 * nothing is charged or sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 } });
});

afterAll(async () => {
  await t?.stop();
});

function numbers(count: number, base: number): string[] {
  return Array.from({ length: count }, (_, i) => String(base + i));
}

async function progressOf(creds: AppCreds, batchId: string) {
  const r = await t.asApp(creds, 'GET', `/api/v1/batches/${batchId}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function ledgerMatchesBalance(accountId: string): Promise<void> {
  const { rows } = await t.gw.db.raw(
    'SELECT (SELECT coalesce(sum(amount), 0)::bigint FROM ledger WHERE account_id = ?) AS sum, (SELECT balance FROM accounts WHERE id = ?) AS balance',
    [accountId, accountId],
  );
  expect(rows[0].sum).toBe(rows[0].balance);
}

describe('cancelling a batch', () => {
  it('half-way on a slow carrier stops the rest, refunds exactly what the cancelled part was charged, and keeps what went out charged', async () => {
    const carriers = await t.admin('GET', '/api/v1/carriers');
    const simulator = carriers.body.items.find((c: { name: string }) => c.name === 'simulator');
    expect((await t.admin('PATCH', `/api/v1/carriers/${simulator.id}`, { maxTps: 200 })).status).toBe(200);
    const { accountId, creds } = await t.customer(100_000);
    const total = 3_000;
    const created = await t.asApp(creds, 'POST', '/api/v1/batches', { to: numbers(total, 989130000000), text: 'flash sale' });
    expect(created.status).toBe(202);
    const batchId = created.body.batchId;

    await eventually(async () => ((await progressOf(creds, batchId)).delivered >= 400 ? true : undefined), 60_000, 'some of the batch to be delivered');
    const sim = t.gw.simulator!;
    const cancel = await t.asApp(creds, 'POST', `/api/v1/batches/${batchId}/cancel`);
    expect(cancel.status).toBe(200);
    const sentAtCancel = sim.received.length;
    expect(cancel.body.cancelled).toBeGreaterThan(0);
    expect(cancel.body.batch).toMatchObject({ id: batchId, state: 'cancelled', cancelledAt: expect.any(String) });
    const cancelledAt = new Date(cancel.body.batch.cancelledAt);

    const done = await eventually(async () => {
      const p = await progressOf(creds, batchId);
      return p.accepted + p.held + p.queued + p.submitted === 0 && p.created === p.total ? p : undefined;
    }, 60_000, 'every message of the batch to be final');
    expect(done.delivered + done.cancelled).toBe(total);
    expect(done.rejected).toBe(done.cancelled);
    expect(done.cancelled).toBeGreaterThanOrEqual(cancel.body.cancelled);

    // What went out after the cancel was in flight then: claimed by dispatch before it.
    const sentAfter = sim.received.length - sentAtCancel;
    expect(sentAfter).toBeLessThan(total / 2);
    const { rows: late } = await t.gw.db.raw(
      `SELECT m.id, m.dispatch_claimed_at FROM messages m JOIN message_events e ON e.message_id = m.id AND e.status = 'submitted'
       WHERE m.batch_id = ? AND e.at > ?`,
      [batchId, cancelledAt],
    );
    for (const row of late) expect(row.dispatch_claimed_at.getTime()).toBeLessThanOrEqual(cancelledAt.getTime());

    // Refunds: exactly the charges of the cancelled messages; the delivered ones stay charged.
    const { rows: ledger } = await t.gw.db.raw(
      `SELECT m.status, m.error_code, l.kind, count(*)::int AS n, sum(l.amount)::bigint AS amount
       FROM ledger l JOIN messages m ON m.id = l.message_id WHERE m.batch_id = ?
       GROUP BY m.status, m.error_code, l.kind ORDER BY m.status, l.kind`,
      [batchId],
    );
    const row = (status: string, kind: string) => ledger.find((r: { status: string; kind: string }) => r.status === status && r.kind === kind);
    expect(row('delivered', 'charge')).toMatchObject({ n: done.delivered, amount: -5 * done.delivered });
    expect(row('delivered', 'refund')).toBeUndefined();
    const cancelledCharges = row('rejected', 'charge')?.amount ?? 0;
    const cancelledRefunds = row('rejected', 'refund')?.amount ?? 0;
    expect(cancelledRefunds).toBe(-cancelledCharges);
    expect(ledger.filter((r: { status: string }) => r.status !== 'delivered' && r.status !== 'rejected')).toEqual([]);
    expect(ledger.filter((r: { status: string; error_code: string | null }) => r.status === 'rejected' && r.error_code !== 'CANCELLED')).toEqual([]);
    expect(done).toMatchObject({ charged: 5 * done.delivered + cancelledRefunds, refundedAmount: cancelledRefunds, cost: 5 * done.delivered });

    const { rows: notCancelled } = await t.gw.db.raw(
      `SELECT count(*)::int AS n FROM messages WHERE batch_id = ? AND status = 'rejected' AND error_code IS DISTINCT FROM 'CANCELLED'`,
      [batchId],
    );
    expect(notCancelled[0].n).toBe(0);
    await ledgerMatchesBalance(accountId);
    expect((await t.admin('PATCH', `/api/v1/carriers/${simulator.id}`, { maxTps: null })).status).toBe(200);
  }, 150_000);

  it('before its scheduled time charges nothing and sends nothing', async () => {
    const { accountId, creds } = await t.customer(10_000);
    const scheduleAt = new Date(Date.now() + 3_000);
    const created = await t.asApp(creds, 'POST', '/api/v1/batches', { to: numbers(50, 989140000000), text: 'later', scheduleAt: scheduleAt.toISOString() });
    expect(created.status).toBe(202);
    expect(created.body.scheduleAt).toBe(scheduleAt.toISOString());
    const batchId = created.body.batchId;
    const scheduled = await eventually(async () => {
      const p = await progressOf(creds, batchId);
      return p.state === 'scheduled' ? p : undefined;
    }, 5_000, 'the batch to be expanded and waiting');
    expect(scheduled).toMatchObject({ total: 50, created: 50, accepted: 50, charged: 0 });

    const cancel = await t.asApp(creds, 'POST', `/api/v1/batches/${batchId}/cancel`);
    expect(cancel.body).toMatchObject({ cancelled: 50, refunded: 0, batch: { state: 'cancelled', rejected: 50, cancelled: 50, charged: 0, cost: 0 } });
    await eventually(async () => (Date.now() > scheduleAt.getTime() + 1_500 ? true : undefined), 10_000);
    const { rows } = await t.gw.db.raw('SELECT count(*)::int AS n FROM ledger WHERE message_id IN (SELECT id FROM messages WHERE batch_id = ?)', [batchId]);
    expect(rows[0].n).toBe(0);
    expect(t.gw.simulator!.received.some((s) => s.destinationAddr.startsWith('98914000'))).toBe(false);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(10_000);
    await ledgerMatchesBalance(accountId);
    // Cancelling again changes nothing.
    expect((await t.asApp(creds, 'POST', `/api/v1/batches/${batchId}/cancel`)).body).toMatchObject({ cancelled: 0, refunded: 0 });
  });
});
