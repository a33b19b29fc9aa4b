/**
 * Batches (campaigns) end to end on real PostgreSQL, Redis, BullMQ and the
 * SMPP simulator: one request of 10,000 numbers, expanded in the background,
 * every number final, progress consistent throughout, the ledger matching.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request, basic, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 } });
});

afterAll(async () => {
  await t?.stop();
});

const STATUSES = ['accepted', 'held', 'queued', 'submitted', 'delivered', 'undelivered', 'expired', 'failed', 'rejected'] as const;
const FINAL = new Set(['delivered', 'undelivered', 'expired', 'failed', 'rejected']);

function numbers(count: number, base = 989120000000): string[] {
  return Array.from({ length: count }, (_, i) => String(base + i));
}

async function ledgerMatchesBalance(accountId: string): Promise<void> {
  const { rows } = await t.gw.db.raw(
    'SELECT (SELECT coalesce(sum(amount), 0)::bigint FROM ledger WHERE account_id = ?) AS sum, (SELECT balance FROM accounts WHERE id = ?) AS balance',
    [accountId, accountId],
  );
  expect(rows[0].sum).toBe(rows[0].balance);
}

async function allMessages(creds: AppCreds, batchId: string): Promise<Array<{ id: string; to: string; status: string; text: string; batchId: string }>> {
  const items = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: Array<{ id: string; to: string; status: string; text: string; batchId: string }>; nextCursor: string | null } } = await t.asApp(
      creds,
      'GET',
      `/api/v1/batches/${batchId}/messages?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

async function approvedTemplate(creds: AppCreds, name: string, body: string): Promise<string> {
  const created = await t.asApp(creds, 'POST', `/api/v1/apps/${creds.appId}/templates`, { name, body });
  expect(created.status).toBe(201);
  expect((await t.admin('POST', `/api/v1/templates/${created.body.id}/approve`)).status).toBe(200);
  return created.body.id;
}

describe('a batch of 10,000 numbers', () => {
  it('is accepted in one request, every number ends final, progress stays consistent and the ledger matches', async () => {
    const { accountId, creds } = await t.customer(100_000);
    const to = [...numbers(10_000), 'not-a-number', '12', '989120000005', '+98 912 000 0007'];
    const started = Date.now();
    const created = await t.asApp(creds, 'POST', '/api/v1/batches', { to, text: 'Spring sale: 20% off' });
    expect(created.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(created.body).toMatchObject({ batchId: expect.any(String), accepted: 10_000, price: 50_000, scheduleAt: null });
    expect(created.body.refused).toEqual([
      { to: 'not-a-number', reason: 'invalid_number' },
      { to: '12', reason: 'invalid_number' },
      { to: '989120000005', reason: 'duplicate' },
      { to: '989120000007', reason: 'duplicate' },
    ]);
    const batchId = created.body.batchId;

    let lastDelivered = 0;
    let seenPartial = false;
    const progress = await eventually(async () => {
      const r = await t.asApp(creds, 'GET', `/api/v1/batches/${batchId}`);
      expect(r.status).toBe(200);
      const p = r.body;
      const sum = STATUSES.reduce((s, status) => s + p[status], 0);
      expect(sum).toBe(p.created);
      expect(p.created).toBeLessThanOrEqual(p.total);
      expect(p.total).toBe(10_000);
      expect(p.delivered).toBeGreaterThanOrEqual(lastDelivered);
      expect(p.cost).toBe(p.charged - p.refundedAmount);
      lastDelivered = p.delivered;
      if (p.delivered > 0 && p.delivered < 10_000) seenPartial = true;
      return p.state === 'completed' ? p : undefined;
    }, 150_000, 'the batch to complete');
    expect(progress).toMatchObject({
      state: 'completed', total: 10_000, created: 10_000, delivered: 10_000, rejected: 0, cancelled: 0,
      charged: 50_000, refundedAmount: 0, refunded: 0, cost: 50_000, cancelledAt: null,
    });
    expect(seenPartial || lastDelivered === 10_000).toBe(true);

    const { rows } = await t.gw.db.raw(
      `SELECT l.kind, count(*)::int AS n, sum(l.amount)::bigint AS amount FROM ledger l
       WHERE l.message_id IN (SELECT id FROM messages WHERE batch_id = ?) GROUP BY l.kind`,
      [batchId],
    );
    expect(rows).toEqual([{ kind: 'charge', n: 10_000, amount: -50_000 }]);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(50_000);
    await ledgerMatchesBalance(accountId);

    const messages = await allMessages(creds, batchId);
    expect(messages).toHaveLength(10_000);
    expect(new Set(messages.map((m) => m.id)).size).toBe(10_000);
    expect(new Set(messages.map((m) => m.to))).toEqual(new Set(numbers(10_000)));
    expect(messages.every((m) => FINAL.has(m.status) && m.batchId === batchId)).toBe(true);

    const list = await t.asApp(creds, 'GET', '/api/v1/batches');
    expect(list.body.items.map((b: { id: string }) => b.id)).toEqual([batchId]);
  }, 180_000);
});

describe('a template batch', () => {
  it('renders each recipient\'s own params, from JSON recipients and from a CSV upload', async () => {
    const { creds } = await t.customer(10_000);
    await approvedTemplate(creds, 'greeting', 'Hello {name}, your code is {code}');
    const created = await eventually(async () => {
      const r = await t.asApp(creds, 'POST', '/api/v1/batches', {
        template: 'greeting',
        recipients: [
          { to: '989121230001', params: { name: 'Ava', code: 1 } },
          { to: '989121230002', params: { name: 'Bo', code: 2 } },
          { to: '989121230003', params: { name: 'Cy' } },
        ],
      });
      return r.status === 202 ? r : undefined;
    }, 10_000, 'the template to be usable');
    expect(created.body.accepted).toBe(2);
    expect(created.body.refused).toEqual([{ to: '989121230003', reason: 'invalid_params', detail: expect.stringContaining('code') }]);

    const csv = 'to,name,code\r\n989121230011,"Smith, Dee",11\r\n989121230012,"Eve ""E""",12\r\n';
    const uploaded = await request(t.base, 'POST', '/api/v1/batches?template=greeting', {
      raw: csv,
      headers: { authorization: basic(creds), 'content-type': 'text/csv' },
    });
    expect(uploaded.status).toBe(202);
    expect(uploaded.body).toMatchObject({ accepted: 2, refused: [] });

    for (const [batchId, expected] of [
      [created.body.batchId, { '989121230001': 'Hello Ava, your code is 1', '989121230002': 'Hello Bo, your code is 2' }],
      [uploaded.body.batchId, { '989121230011': 'Hello Smith, Dee, your code is 11', '989121230012': 'Hello Eve "E", your code is 12' }],
    ] as const) {
      await eventually(async () => ((await t.asApp(creds, 'GET', `/api/v1/batches/${batchId}`)).body.state === 'completed' ? true : undefined), 20_000);
      const messages = await allMessages(creds, batchId);
      expect(Object.fromEntries(messages.map((m) => [m.to, m.text]))).toEqual(expected);
      expect(messages.every((m) => m.status === 'delivered')).toBe(true);
    }
  });
});

describe('a batch with an Idempotency-Key', () => {
  it('answers a resubmission with the same batch and creates it once; another body with the key is a 409', async () => {
    const { creds } = await t.customer(10_000);
    const body = { to: numbers(3, 989150000000), text: 'once' };
    const headers = { 'idempotency-key': 'campaign-1' };
    const first = await t.asApp(creds, 'POST', '/api/v1/batches', body, headers);
    expect(first.status).toBe(202);
    const again = await t.asApp(creds, 'POST', '/api/v1/batches', body, headers);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await t.asApp(creds, 'POST', '/api/v1/batches', { ...body, text: 'other' }, headers)).status).toBe(409);
    expect((await t.asApp(creds, 'GET', '/api/v1/batches')).body.items.map((b: { id: string }) => b.id)).toEqual([first.body.batchId]);
    await eventually(async () => ((await t.asApp(creds, 'GET', `/api/v1/batches/${first.body.batchId}`)).body.state === 'completed' ? true : undefined), 20_000);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(10_000 - 15);
  });
});

describe('a batch that cannot be accepted', () => {
  it('is a 400 JSON error and creates nothing: 100,001 numbers, a bad scheduleAt, nothing valid; 402 when the balance is short', async () => {
    const { creds } = await t.customer(100);
    const tooMany = await t.asApp(creds, 'POST', '/api/v1/batches', { to: numbers(100_001), text: 'x' });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('INVALID_REQUEST');
    const badTime = await t.asApp(creds, 'POST', '/api/v1/batches', { to: numbers(2), text: 'x', scheduleAt: new Date(Date.now() + 40 * 86_400_000).toISOString() });
    expect(badTime.status).toBe(400);
    expect(badTime.body.error.code).toBe('INVALID_REQUEST');
    const nothing = await t.asApp(creds, 'POST', '/api/v1/batches', { to: ['abc', 'def'], text: 'x' });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.details.refused).toEqual([{ to: 'abc', reason: 'invalid_number' }, { to: 'def', reason: 'invalid_number' }]);
    const short = await t.asApp(creds, 'POST', '/api/v1/batches', { to: numbers(21), text: 'x' });
    expect(short.status).toBe(402);
    expect(short.body.error.code).toBe('INSUFFICIENT_BALANCE');
    expect((await t.asApp(creds, 'GET', '/api/v1/batches')).body.items).toEqual([]);
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toEqual([]);
  });
});
