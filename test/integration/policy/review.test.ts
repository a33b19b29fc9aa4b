/**
 * The manual review queue end to end: held messages are not charged; an
 * approval charges once and sends; a rejection never charges and notifies
 * the app; an approval the balance no longer covers ends rejected; a held
 * message nobody decides is rejected by the timeout sweep. Every decision is
 * audited.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { ledgerAndBalance, ledgerOf, rulesInForce, settled } from './rules-helpers';

let t: TestGateway;
let sink: Server;
let sinkUrl: string;
const callbacks: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      callbacks.push(JSON.parse(body));
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/cb`;
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 10 } });
});

afterAll(async () => {
  await t?.stop();
  await new Promise((resolve) => sink?.close(resolve));
});

/** A customer whose messages containing "review-me" are held. */
async function heldCustomer(gw: TestGateway, credit: number): Promise<{ accountId: string; creds: AppCreds; ruleId: string }> {
  const customer = await gw.customer(credit, { callbackUrl: sinkUrl });
  const rule = await gw.admin('POST', '/api/v1/rules', { name: 'manual review', kind: 'keyword', keywords: ['review-me'], action: 'hold', accountId: customer.accountId });
  expect(rule.status).toBe(201);
  return { ...customer, ruleId: rule.body.id };
}

async function sendHeld(gw: TestGateway, creds: AppCreds, to = '989121230000'): Promise<string> {
  const sent = await gw.asApp(creds, 'POST', '/api/v1/messages', { to, text: 'please review-me' });
  expect(sent.status).toBe(202);
  const id = sent.body.messages[0].id;
  expect((await settled(gw, creds, id)).status).toBe('held');
  return id;
}

async function audit(gw: TestGateway, id: string) {
  const { rows } = await gw.gw.db.raw(`SELECT actor, action, after FROM audit_log WHERE entity = 'message' AND entity_id = ? ORDER BY id`, [id]);
  return rows as Array<{ actor: string; action: string; after: Record<string, unknown> }>;
}

describe('held messages', () => {
  let customer: Awaited<ReturnType<typeof heldCustomer>>;
  beforeAll(async () => {
    customer = await heldCustomer(t, 1000);
    await rulesInForce(t);
  });

  it('are listed with the rule that held them and are not charged', async () => {
    const id = await sendHeld(t, customer.creds);
    expect(await ledgerOf(t, id)).toEqual([]);
    const list = await t.admin('GET', `/api/v1/review/held?accountId=${customer.accountId}`);
    expect(list.status).toBe(200);
    const item = list.body.items.find((i: { id: string }) => i.id === id);
    expect(item).toMatchObject({ id, accountId: customer.accountId, appId: customer.creds.appId, to: '989121230000', text: 'please review-me', status: 'held', price: 5, reason: 'CONTENT_HELD', rule: { id: customer.ruleId, name: 'manual review', kind: 'keyword' } });
    expect(item.heldAt).toEqual(expect.any(String));
    // Cursor pagination.
    const second = await sendHeld(t, customer.creds);
    const page1 = await t.admin('GET', `/api/v1/review/held?accountId=${customer.accountId}&limit=1`);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.nextCursor).toBe(page1.body.items[0].id);
    const page2 = await t.admin('GET', `/api/v1/review/held?accountId=${customer.accountId}&limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
    expect([page1.body.items[0].id, page2.body.items[0].id].sort()).toEqual([id, second].sort());
  });

  it('an approved message is charged once, sent and delivered; the ledger still sums to the balance', async () => {
    const id = await sendHeld(t, customer.creds, '989121230001');
    const approved = await t.admin('POST', `/api/v1/review/held/${id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ id, status: 'queued', charged: 5 });
    // A second decision finds nothing held.
    expect((await t.admin('POST', `/api/v1/review/held/${id}/approve`)).status).toBe(404);
    expect((await t.admin('POST', `/api/v1/review/held/${id}/reject`, {})).status).toBe(404);
    const message = await settled(t, customer.creds, id, ['delivered', 'rejected', 'failed']);
    expect(message.status).toBe('delivered');
    expect(message.events.map((e: { status: string }) => e.status)).toEqual(['accepted', 'held', 'queued', 'submitted', 'delivered']);
    expect(message.events[2].detail).toMatchObject({ charged: 5, reviewer: 'operator', decision: 'approve' });
    expect(await ledgerOf(t, id)).toEqual([{ kind: 'charge', amount: -5 }]);
    const { sum, balance } = await ledgerAndBalance(t, customer.accountId);
    expect(sum).toBe(balance);
    expect(t.gw.simulator!.received.filter((r) => r.destinationAddr === '989121230001')).toHaveLength(1);
    expect(await audit(t, id)).toEqual([{ actor: 'operator', action: 'approve', after: { status: 'queued', charged: 5 } }]);
  });

  it('a rejected message ends rejected with the reviewer and reason, is never charged, and the app is told', async () => {
    const before = (await t.asApp(customer.creds, 'GET', '/api/v1/balance')).body.balance;
    const id = await sendHeld(t, customer.creds, '989121230002');
    const rejected = await t.admin('POST', `/api/v1/review/held/${id}/reject`, { reason: 'looks like phishing' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ id, status: 'rejected', errorCode: 'REVIEW_REJECTED' });
    const message = await settled(t, customer.creds, id);
    expect(message).toMatchObject({ status: 'rejected', errorCode: 'REVIEW_REJECTED' });
    expect(message.events.at(-1).detail).toMatchObject({ reason: 'looks like phishing', reviewer: 'operator', rule: { id: customer.ruleId } });
    expect(await ledgerOf(t, id)).toEqual([]);
    expect((await t.asApp(customer.creds, 'GET', '/api/v1/balance')).body.balance).toBe(before);
    await eventually(async () => callbacks.find((c) => c.id === id), 10_000, 'the rejection callback');
    expect(callbacks.find((c) => c.id === id)).toMatchObject({ status: 'rejected', errorCode: 'REVIEW_REJECTED' });
    expect(await audit(t, id)).toMatchObject([{ actor: 'operator', action: 'reject' }]);
  });

  it('an approval the balance no longer covers ends rejected, uncharged', async () => {
    const poor = await heldCustomer(t, 5);
    await rulesInForce(t);
    const first = await sendHeld(t, poor.creds, '989121230003');
    const second = await sendHeld(t, poor.creds, '989121230004');
    expect((await t.admin('POST', `/api/v1/review/held/${first}/approve`)).body).toEqual({ id: first, status: 'queued', charged: 5 });
    expect((await t.admin('POST', `/api/v1/review/held/${second}/approve`)).body).toEqual({ id: second, status: 'rejected', errorCode: 'INSUFFICIENT_BALANCE' });
    expect(await ledgerOf(t, second)).toEqual([]);
    expect(await ledgerAndBalance(t, poor.accountId)).toEqual({ sum: 0, balance: 0 });
    const message = await settled(t, poor.creds, second);
    expect(message).toMatchObject({ status: 'rejected', errorCode: 'INSUFFICIENT_BALANCE' });
    expect(message.events.at(-1).detail).toMatchObject({ reviewer: 'operator', decision: 'approve' });
  });

  it('the review API is for operators only and 404s unknown ids', async () => {
    expect([401, 403]).toContain((await t.asApp(customer.creds, 'GET', '/api/v1/review/held')).status);
    expect((await t.admin('POST', '/api/v1/review/held/00000000-0000-7000-8000-000000000000/approve')).status).toBe(404);
    expect((await t.admin('POST', '/api/v1/review/held/not-an-id/reject', {})).status).toBe(404);
  });
});

describe('the held-review timeout', () => {
  it('rejects a held message nobody decided, uncharged, as the system', async () => {
    const gw = await startTestGateway({ env: { HELD_REVIEW_TIMEOUT_SECONDS: '1' }, sweepIntervalMs: 200 });
    try {
      const customer = await heldCustomer(gw, 100);
      await rulesInForce(gw);
      const id = await sendHeld(gw, customer.creds);
      const message = await settled(gw, customer.creds, id, ['rejected'], 15_000);
      expect(message).toMatchObject({ status: 'rejected', errorCode: 'REVIEW_TIMEOUT' });
      expect(message.events.at(-1).detail).toMatchObject({ source: 'sweeper', rule: { id: customer.ruleId } });
      expect(await ledgerOf(gw, id)).toEqual([]);
      expect((await gw.asApp(customer.creds, 'GET', '/api/v1/balance')).body.balance).toBe(100);
      expect(await audit(gw, id)).toMatchObject([{ actor: 'system', action: 'timeout' }]);
    } finally {
      await gw.stop();
    }
  }, 60_000);
});
