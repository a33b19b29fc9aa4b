/**
 * Rates, quotas, credit limits and the ledger, end to end on real
 * PostgreSQL, Redis and the simulator carrier (catch-all route, 5 per part).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20, rules: [{ prefix: '98999', stat: 'UNDELIV', err: '001' }] } });
});

afterAll(async () => {
  await t?.stop();
});

const FINAL = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'];

async function finalOf(creds: AppCreds, id: string) {
  return eventually(async () => {
    const r = await t.asApp(creds, 'GET', `/api/v1/messages/${id}`);
    return FINAL.includes(r.body.status) ? r.body : undefined;
  }, 15_000, `message ${id} final`);
}

async function charges(accountId: string): Promise<Map<string, number>> {
  const { rows } = await t.gw.db.raw(`SELECT message_id, amount FROM ledger WHERE account_id = ? AND kind = 'charge'`, [accountId]);
  return new Map((rows as Array<{ message_id: string; amount: number }>).map((r) => [r.message_id, r.amount]));
}

async function allLedger(accountId: string) {
  const items: Array<{ kind: string; amount: number; messageId: string | null }> = [];
  let cursor: string | null = null;
  let balance = 0;
  do {
    const r = await t.admin('GET', `/api/v1/accounts/${accountId}/ledger?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    balance = r.body.balance;
    cursor = r.body.nextCursor;
  } while (cursor);
  return { items, balance };
}

describe('account rate overrides', () => {
  it('the longest matching override wins over the route price; the 202 and the charge show it', async () => {
    const { accountId, creds } = await t.customer(10_000);
    const put = await t.admin('PUT', `/api/v1/accounts/${accountId}/rates`, [
      { prefix: '98912', price: 7 },
      { prefix: '9891234', price: 3 },
    ]);
    expect(put.status).toBe(200);
    expect(put.body.items).toEqual([
      { prefix: '98912', price: 7 },
      { prefix: '9891234', price: 3 },
    ]);
    expect((await t.admin('GET', `/api/v1/accounts/${accountId}/rates`)).body.items).toHaveLength(2);

    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: ['989123456789', '989129999999', '447700900123'], text: 'priced' });
    expect(r.status).toBe(202);
    expect(r.body.messages.map((m: { price: number }) => m.price)).toEqual([3, 7, 5]);
    // Two parts: the override is per part.
    const long = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989129999998', text: 'x'.repeat(200) });
    expect(long.body.messages[0]).toMatchObject({ parts: 2, price: 14 });

    const ids = [...r.body.messages.map((m: { id: string }) => m.id), long.body.messages[0].id];
    for (const id of ids) await finalOf(creds, id);
    const charged = await charges(accountId);
    expect(ids.map((id) => charged.get(id))).toEqual([-3, -7, -5, -14]);
  });

  it('refuses bad rate tables and unknown accounts', async () => {
    const { accountId } = await t.customer(0);
    expect((await t.admin('PUT', `/api/v1/accounts/${accountId}/rates`, [{ prefix: '98', price: 1.5 }])).status).toBe(400);
    expect((await t.admin('PUT', `/api/v1/accounts/${accountId}/rates`, [{ prefix: '98', price: 1 }, { prefix: '98', price: 2 }])).status).toBe(400);
    expect((await t.admin('PUT', '/api/v1/accounts/0190a6b2-7c1e-7000-8000-000000000001/rates', [])).status).toBe(404);
  });
});

describe('monthly quota', () => {
  it('refuses the submission that would go over the quota with 429 QUOTA_EXCEEDED, and a raised quota lets it through', async () => {
    const { creds } = await t.customer(10_000, { monthlyQuota: 3 });
    const send = (to: string | string[]) => t.asApp(creds, 'POST', '/api/v1/messages', { to, text: 'quota' });
    expect((await send(['989121110001', '989121110002'])).status).toBe(202);
    const over = await send(['989121110003', '989121110004']);
    expect(over.status).toBe(429);
    expect(over.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 3, requested: 2 } });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send('989121110005')).status).toBe(202);
    expect((await send('989121110006')).status).toBe(429);

    const quota = await t.admin('GET', `/api/v1/apps/${creds.appId}/quota`);
    expect(quota.body).toMatchObject({ monthlyQuota: 3, used: 3 });
    const patched = await t.admin('PATCH', `/api/v1/apps/${creds.appId}`, { monthlyQuota: 10 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ monthlyQuota: 10, used: 3 });
    expect((await send('989121110007')).status).toBe(202);
    // Refused submissions used nothing.
    expect((await t.admin('GET', `/api/v1/apps/${creds.appId}/quota`)).body.used).toBe(4);

    // Redis loses the counter: it is seeded again from PostgreSQL, so the quota still holds.
    await t.admin('PATCH', `/api/v1/apps/${creds.appId}`, { monthlyQuota: 4 });
    const redis = new Redis(t.gw.config.redisUrl);
    try {
      const keys = await redis.keys(`{${t.prefix}}:quota:${creds.appId}:*`);
      expect(keys).toHaveLength(1);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    expect((await send('989121110008')).status).toBe(429);
    expect((await t.admin('GET', `/api/v1/apps/${creds.appId}/quota`)).body.used).toBe(4);
  });

  it('over SMPP the quota answers ESME_RTHROTTLED', async () => {
    const { boundEsme } = await import('../../helpers/esme-client');
    const { creds } = await t.customer(10_000, { monthlyQuota: 1 });
    const esme = await boundEsme(t.smppPort, creds, 'transmitter');
    try {
      const first = await esme.request('submit_sm', { destination_addr: '989121110010', short_message: 'one' });
      expect(first.command_status).toBe(0);
      const second = await esme.request('submit_sm', { destination_addr: '989121110011', short_message: 'two' });
      expect(second.command_status).toBe(0x58);
    } finally {
      esme.close();
    }
  });
});

describe('credit limit', () => {
  it('lets the balance go negative down to the limit and not beyond; the ledger sums to the balance', async () => {
    const { accountId, creds } = await t.customer(10);
    const patched = await t.admin('PATCH', `/api/v1/accounts/${accountId}`, { creditLimit: 20 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ balance: 10, creditLimit: 20 });
    // 7 messages of 5: the balance and the limit cover 6 (10 + 20 = 30).
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: `98912222000${i}`, text: `credit ${i}` });
      expect(r.status).toBe(202);
      ids.push(r.body.messages[0].id);
    }
    const finals = await Promise.all(ids.map((id) => finalOf(creds, id)));
    expect(finals.filter((m) => m.status === 'delivered')).toHaveLength(6);
    const rejected = finals.filter((m) => m.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ errorCode: 'INSUFFICIENT_BALANCE' });
    const account = await t.admin('GET', `/api/v1/accounts/${accountId}`);
    expect(account.body.balance).toBe(-20);
    const { items, balance } = await allLedger(accountId);
    expect(balance).toBe(-20);
    expect(items.reduce((sum, r) => sum + r.amount, 0)).toBe(-20);
  });

  it('a prepaid account with nothing is refused at accept, one with a credit limit is not', async () => {
    const prepaid = await t.customer(0);
    expect((await t.asApp(prepaid.creds, 'POST', '/api/v1/messages', { to: '989123330001', text: 'x' })).status).toBe(402);
    const postpaid = await t.customer(0);
    await t.admin('PATCH', `/api/v1/accounts/${postpaid.accountId}`, { creditLimit: 100 });
    const r = await t.asApp(postpaid.creds, 'POST', '/api/v1/messages', { to: '989123330002', text: 'x' });
    expect(r.status).toBe(202);
    expect((await finalOf(postpaid.creds, r.body.messages[0].id)).status).toBe('delivered');
    expect((await t.admin('GET', `/api/v1/accounts/${postpaid.accountId}`)).body.balance).toBe(-5);
  });
});

describe('ledger and billing log', () => {
  it('the ledger pages newest first and sums to the balance; the app sees its charges and refunds', async () => {
    const { accountId, creds } = await t.customer(1_000);
    await t.admin('POST', `/api/v1/accounts/${accountId}/credit`, { amount: 500, reference: 'top-up' });
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: ['989124440001', '989994440002', '989124440003'], text: 'ledger' });
    expect(r.status).toBe(202);
    const [ok, undelivered] = [r.body.messages[0].id, r.body.messages[1].id];
    for (const m of r.body.messages) await finalOf(creds, m.id);
    await eventually(async () => ((await charges(accountId)).size === 3 ? true : undefined), 5_000, 'charges');

    const { items, balance } = await allLedger(accountId);
    expect(balance).toBe(1_500 - 15 + 5);
    expect(items.reduce((sum, row) => sum + row.amount, 0)).toBe(balance);
    expect(items.filter((i) => i.kind === 'credit').map((i) => i.amount).sort()).toEqual([1_000, 500].sort());
    expect(items.find((i) => i.kind === 'refund')).toMatchObject({ amount: 5, messageId: undelivered });
    const { rows } = await t.gw.db.raw('SELECT balance FROM accounts WHERE id = ?', [accountId]);
    expect(rows[0].balance).toBe(balance);

    const log = await t.asApp(creds, 'GET', '/api/v1/billing?limit=2');
    expect(log.status).toBe(200);
    expect(log.body.items).toHaveLength(2);
    const all = [...log.body.items];
    let cursor = log.body.nextCursor;
    while (cursor) {
      const next = await t.asApp(creds, 'GET', `/api/v1/billing?limit=2&cursor=${cursor}`);
      all.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(all).toHaveLength(4);
    expect(all.filter((i) => i.kind === 'charge' && i.messageId === ok)).toEqual([expect.objectContaining({ amount: -5, status: 'delivered' })]);
    expect(all.filter((i) => i.messageId === undelivered).map((i) => i.kind).sort()).toEqual(['charge', 'refund']);
    // The operator's ledger is not the app's.
    expect([401, 403]).toContain((await t.asApp(creds, 'GET', `/api/v1/accounts/${accountId}/ledger`)).status);
  });
});
