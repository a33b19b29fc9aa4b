/**
 * Message search (issue 9): by app and time, cursor pages under the new
 * filters, operators across accounts; and a message's partDetails, with the
 * carrier's cost for operators only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request, startTestGateway, type AppCreds, type TestGateway } from '../helpers/gateway';

let t: TestGateway;
let accountA: string;
let tokenA: string;
let tokenFinance: string;
let app1: AppCreds;
let app2: AppCreds;
let otherApp: AppCreds;

const asUser = (token: string, path: string) => request(t.base, 'GET', path, { headers: { authorization: `Bearer ${token}` } });

async function send(creds: AppCreds, text = 'search me'): Promise<string> {
  const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text });
  expect(r.status).toBe(202);
  return r.body.messages[0].id;
}

async function login(email: string, password: string): Promise<string> {
  const r = await request(t.base, 'POST', '/api/v1/auth/login', { body: { email, password } });
  expect(r.status).toBe(200);
  return r.body.accessToken;
}

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 } });
  const reg = await request(t.base, 'POST', '/api/v1/auth/register', { body: { email: 'search-a@example.com', password: 'customer A password', name: 'A' } });
  accountA = reg.body.accountId;
  tokenA = await login('search-a@example.com', 'customer A password');
  await t.admin('POST', '/api/v1/users', { email: 'search-fin@example.com', password: 'finance password', name: 'F', role: 'finance' });
  tokenFinance = await login('search-fin@example.com', 'finance password');
  await t.admin('POST', `/api/v1/accounts/${accountA}/credit`, { amount: 10_000 });
  const create = (name: string) =>
    request(t.base, 'POST', `/api/v1/accounts/${accountA}/apps`, { body: { name, throughputPerSecond: 10_000 }, headers: { authorization: `Bearer ${tokenA}` } });
  app1 = (await create('one')).body;
  app2 = (await create('two')).body;
  otherApp = (await t.customer(10_000)).creds;
});

afterAll(async () => {
  await t?.stop();
});

describe('searching messages by app and time', () => {
  it('pages one app of the account with a cursor, and a time window on created_at', async () => {
    const first = [await send(app1), await send(app1)];
    await send(app2);
    const firstAt = (await t.asApp(app1, 'GET', `/api/v1/messages/${first[1]}`)).body.createdAt as string;
    const boundary = new Date(Date.parse(firstAt) + 1).toISOString();
    const later = [await send(app1), await send(app1), await send(app1)];

    // app1 in pages of 2, newest first: the five ids exactly once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await asUser(tokenA, `/api/v1/messages?appId=${app1.appId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((m: { id: string }) => m.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...first, ...later].reverse());

    const since = await asUser(tokenA, `/api/v1/messages?appId=${app1.appId}&since=${encodeURIComponent(boundary)}&limit=2`);
    expect(since.body.items.map((m: { id: string }) => m.id)).toEqual([later[2], later[1]]);
    const rest = await asUser(tokenA, `/api/v1/messages?appId=${app1.appId}&since=${encodeURIComponent(boundary)}&limit=2&cursor=${since.body.nextCursor}`);
    expect(rest.body).toMatchObject({ items: [{ id: later[0] }], nextCursor: null });
    const until = await asUser(tokenA, `/api/v1/messages?appId=${app1.appId}&until=${encodeURIComponent(boundary)}`);
    expect(until.body.items.map((m: { id: string }) => m.id)).toEqual([...first].reverse());
    // An app reading with its own id filter sees the same; another app's id is not found.
    expect((await t.asApp(app1, 'GET', `/api/v1/messages?appId=${app1.appId}&until=${encodeURIComponent(boundary)}`)).body.items).toHaveLength(2);
    expect((await t.asApp(app1, 'GET', `/api/v1/messages?appId=${app2.appId}`)).status).toBe(404);
    // A window that ends before it starts is refused.
    expect((await asUser(tokenA, `/api/v1/messages?since=${encodeURIComponent(boundary)}&until=${encodeURIComponent(firstAt)}`)).status).toBe(400);
  });

  it("confines a customer to its own account's apps: another account's app or account is a 404", async () => {
    await send(otherApp);
    expect((await asUser(tokenA, `/api/v1/messages?appId=${otherApp.appId}`)).status).toBe(404);
    expect((await asUser(tokenA, '/api/v1/messages?appId=00000000-0000-7000-8000-000000000000')).status).toBe(404);
    const other = await t.admin('GET', `/api/v1/messages?appId=${otherApp.appId}`);
    expect((await asUser(tokenA, '/api/v1/messages?accountId=ffffffff-ffff-4fff-8fff-ffffffffffff')).status).toBe(404);
    const mine = await asUser(tokenA, '/api/v1/messages?limit=500');
    expect(mine.body.items.every((m: { id: string }) => m.id !== other.body.items[0].id)).toBe(true);
  });

  it('lets an admin search every account or one, and keeps finance out of message content', async () => {
    const everyone = await t.admin('GET', '/api/v1/messages?limit=500');
    expect(everyone.status).toBe(200);
    const onlyA = await t.admin('GET', `/api/v1/messages?accountId=${accountA}&limit=500`);
    const byApp = await t.admin('GET', `/api/v1/messages?appId=${otherApp.appId}`);
    expect(byApp.body.items).toHaveLength(1);
    expect(everyone.body.items.length).toBe(onlyA.body.items.length + 1);
    expect(onlyA.body.items.map((m: { id: string }) => m.id)).not.toContain(byApp.body.items[0].id);
    expect((await asUser(tokenFinance, '/api/v1/messages')).status).toBe(403);
  });
});

describe("a message's partDetails", () => {
  it('lists each part with its carrier id and receipt; the cost only for operators', async () => {
    const id = await send(app1, 'x'.repeat(200));
    const delivered = await eventually(async () => {
      const r = await t.asApp(app1, 'GET', `/api/v1/messages/${id}`);
      return r.body.status === 'delivered' && r.body.partDetails.every((p: { delivered: boolean }) => p.delivered) ? r.body : undefined;
    }, 15_000, 'both parts delivered');
    expect(delivered.parts).toBe(2);
    expect(delivered.partDetails).toEqual([0, 1].map(() => ({
      index: expect.any(Number),
      carrier: 'simulator',
      carrierMessageId: expect.any(String),
      status: 'delivered',
      delivered: true,
      submittedAt: expect.any(String),
      doneAt: expect.any(String),
      errorCode: null,
    })));
    expect(delivered.partDetails[0].index).toBeLessThan(delivered.partDetails[1].index);
    expect(new Set(delivered.partDetails.map((p: { carrierMessageId: string }) => p.carrierMessageId)).size).toBe(2);
    for (const p of delivered.partDetails) expect(p).not.toHaveProperty('cost');
    expect((await asUser(tokenA, `/api/v1/messages/${id}`)).body.partDetails[0]).not.toHaveProperty('cost');
    const staff = await t.admin('GET', `/api/v1/messages/${id}`);
    expect(staff.status).toBe(200);
    for (const p of staff.body.partDetails) expect(p).toHaveProperty('cost');
    expect((await asUser(tokenFinance, `/api/v1/messages/${id}`)).status).toBe(403);
  }, 30_000);
});
