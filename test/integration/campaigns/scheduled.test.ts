/**
 * Scheduled sending on real PostgreSQL, Redis, BullMQ and the SMPP simulator:
 * a message waits uncharged until its scheduleAt (a delayed review job),
 * survives a gateway restart in between, and can be cancelled before it.
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

async function messageOf(gateway: TestGateway, creds: AppCreds, id: string) {
  return (await gateway.asApp(creds, 'GET', `/api/v1/messages/${id}`)).body;
}

async function ledgerRows(gateway: TestGateway, messageId: string) {
  const { rows } = await gateway.gw.db.raw('SELECT kind, amount, created_at FROM ledger WHERE message_id = ? ORDER BY id', [messageId]);
  return rows as Array<{ kind: string; amount: number; created_at: Date }>;
}

describe('a scheduled message', () => {
  it('is neither sent nor charged before its time, and is sent after it across a gateway restart', async () => {
    const { creds } = await t.customer(1000);
    const scheduleAt = new Date(Date.now() + 4_000);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110001', text: 'later', scheduleAt: scheduleAt.toISOString() });
    expect(sent.status).toBe(202);
    const [item] = sent.body.messages;
    expect(item).toMatchObject({ status: 'accepted', scheduleAt: scheduleAt.toISOString() });
    const stored = await messageOf(t, creds, item.id);
    expect(stored).toMatchObject({ status: 'accepted', scheduleAt: scheduleAt.toISOString(), batchId: null });
    expect(await ledgerRows(t, item.id)).toEqual([]);

    // Restart before the time: the delayed review job lives in Redis, the message in PostgreSQL.
    await t.stop({ keepData: true });
    const first = t;
    t = await startTestGateway({ joinOf: first, takeOver: true, simulatorOptions: { dlrDelayMs: 20 } });
    expect(Date.now()).toBeLessThan(scheduleAt.getTime());
    expect(t.gw.simulator!.received.length).toBe(0);
    expect(await ledgerRows(t, item.id)).toEqual([]);
    expect((await messageOf(t, creds, item.id)).status).toBe('accepted');

    const done = await eventually(async () => {
      const m = await messageOf(t, creds, item.id);
      return m.status === 'delivered' ? m : undefined;
    }, 20_000, 'the scheduled message to be delivered');
    expect(done.events.map((e: { status: string }) => e.status)).toEqual(['accepted', 'queued', 'submitted', 'delivered']);
    const [submit] = t.gw.simulator!.received;
    expect(submit!.receivedAt).toBeGreaterThanOrEqual(scheduleAt.getTime());
    const ledger = await ledgerRows(t, item.id);
    expect(ledger.map((r) => [r.kind, r.amount])).toEqual([['charge', -5]]);
    expect(ledger[0]!.created_at.getTime()).toBeGreaterThanOrEqual(scheduleAt.getTime());
  });

  it('counts its validity from scheduleAt', async () => {
    const { creds } = await t.customer(1000);
    const scheduleAt = new Date(Date.now() + 3_600_000);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110002', text: 'in an hour', scheduleAt: scheduleAt.toISOString(), validity: 600 });
    expect(sent.status).toBe(202);
    const { rows } = await t.gw.db.raw('SELECT valid_until, schedule_at FROM messages WHERE id = ?', [sent.body.messages[0].id]);
    expect(rows[0].schedule_at.getTime()).toBe(scheduleAt.getTime());
    expect(rows[0].valid_until.getTime()).toBe(scheduleAt.getTime() + 600_000);
  });

  it('cancelled before its time ends rejected CANCELLED, never charged and never sent', async () => {
    const { creds } = await t.customer(1000);
    const scheduleAt = new Date(Date.now() + 2_000);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110003', text: 'never', scheduleAt: scheduleAt.toISOString() });
    const id = sent.body.messages[0].id;
    const cancelled = await t.asApp(creds, 'POST', `/api/v1/messages/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ id, status: 'rejected', errorCode: 'CANCELLED', refunded: 0 });
    const again = await t.asApp(creds, 'POST', `/api/v1/messages/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    // Past its time (plus a margin for the delayed job): still rejected, nothing charged or sent.
    await eventually(async () => (Date.now() > scheduleAt.getTime() + 1_500 ? true : undefined), 10_000);
    const m = await messageOf(t, creds, id);
    expect(m).toMatchObject({ status: 'rejected', errorCode: 'CANCELLED' });
    expect(m.events.at(-1)).toMatchObject({ status: 'rejected', detail: { reason: 'cancelled', errorCode: 'CANCELLED' } });
    expect(await ledgerRows(t, id)).toEqual([]);
    expect(t.gw.simulator!.received.some((s) => s.destinationAddr === '989121110003')).toBe(false);
  });

  it('refuses scheduleAt more than 35 days ahead, long past, or without an offset (400, nothing created)', async () => {
    const { creds } = await t.customer(1000);
    for (const scheduleAt of [new Date(Date.now() + 36 * 86_400_000).toISOString(), new Date(Date.now() - 3_600_000).toISOString(), '2026-12-01T09:00:00']) {
      const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110004', text: 'x', scheduleAt });
      expect(r.status, scheduleAt).toBe(400);
      expect(r.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toEqual([]);
    // A moment ago means now.
    const now = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110004', text: 'x', scheduleAt: new Date(Date.now() - 5_000).toISOString() });
    expect(now.status).toBe(202);
    expect(now.body.messages[0].scheduleAt).toBeUndefined();
  });
});
