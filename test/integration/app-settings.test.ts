/**
 * An app's settings after creation (issue 9): PATCH /api/v1/apps/:appId by
 * an admin or the app's customer; customers may lower limits, only admins
 * raise them; every change is audited; the serving process applies it at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestGateway, type AppCreds, type TestGateway } from '../helpers/gateway';

let t: TestGateway;
let tokenA: string;
let tokenB: string;
let accountA: string;
let app: AppCreds;

async function customerToken(email: string): Promise<{ token: string; accountId: string }> {
  const reg = await request(t.base, 'POST', '/api/v1/auth/register', { body: { email, password: 'a long password', name: email } });
  const login = await request(t.base, 'POST', '/api/v1/auth/login', { body: { email, password: 'a long password' } });
  return { token: login.body.accessToken, accountId: reg.body.accountId };
}

const patchAs = (token: string, body: unknown, appId = app.appId) =>
  request(t.base, 'PATCH', `/api/v1/apps/${appId}`, { body, headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  t = await startTestGateway();
  const a = await customerToken('settings-a@example.com');
  tokenA = a.token;
  accountA = a.accountId;
  tokenB = (await customerToken('settings-b@example.com')).token;
  await t.admin('POST', `/api/v1/accounts/${a.accountId}/credit`, { amount: 1000 });
  app = (await request(t.base, 'POST', `/api/v1/accounts/${a.accountId}/apps`, { body: { name: 'shop', throughputPerSecond: 100 }, headers: { authorization: `Bearer ${tokenA}` } })).body;
});

afterAll(async () => {
  await t?.stop();
});

describe("changing an app's settings", () => {
  it('lets its customer lower the throughput and change URLs and senders, audited, applied at once', async () => {
    const r = await patchAs(tokenA, { throughputPerSecond: 10, callbackUrl: 'https://example.com/dlr', moUrl: 'https://example.com/mo', senders: ['SHOP'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ appId: app.appId, throughputPerSecond: 10, callbackUrl: 'https://example.com/dlr', moUrl: 'https://example.com/mo', senders: ['SHOP'], monthlyQuota: null });
    const listed = (await request(t.base, 'GET', `/api/v1/accounts/${accountA}/apps`, { headers: { authorization: `Bearer ${tokenA}` } })).body.items;
    expect(listed[0]).toMatchObject({ throughputPerSecond: 10, senders: ['SHOP'] });

    // The app's cached record was dropped: the new sender list holds on its very next request.
    const refused = await t.asApp(app, 'POST', '/api/v1/messages', { to: '989121234567', text: 'hi', from: 'OTHER' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_SENDER');
    expect((await t.asApp(app, 'POST', '/api/v1/messages', { to: '989121234567', text: 'hi', from: 'SHOP' })).status).toBe(202);

    const audit = await t.admin('GET', `/api/v1/audit?entity=app&entityId=${app.appId}`);
    const update = audit.body.items.find((e: { action: string }) => e.action === 'update');
    expect(update).toMatchObject({
      actor: expect.stringMatching(/^user:/),
      before: { throughputPerSecond: 100, callbackUrl: null, moUrl: null, senders: [] },
      after: { throughputPerSecond: 10, callbackUrl: 'https://example.com/dlr', moUrl: 'https://example.com/mo', senders: ['SHOP'] },
    });

    // null clears a URL; an empty sender list allows any sender again.
    expect((await patchAs(tokenA, { moUrl: null, senders: [] })).body).toMatchObject({ moUrl: null, senders: [], callbackUrl: 'https://example.com/dlr' });
  });

  it('refuses a customer raising a limit (throughput or quota) and lets an admin do it', async () => {
    const raise = await patchAs(tokenA, { throughputPerSecond: 50 });
    expect(raise.status).toBe(403);
    expect(raise.body.error.details).toMatchObject({ field: 'throughputPerSecond', current: 10 });
    // A quota where there was none is a lower limit; raising or removing it is not.
    expect((await patchAs(tokenA, { monthlyQuota: 100 })).body.monthlyQuota).toBe(100);
    expect((await patchAs(tokenA, { monthlyQuota: 50 })).body.monthlyQuota).toBe(50);
    expect((await patchAs(tokenA, { monthlyQuota: 500 })).status).toBe(403);
    expect((await patchAs(tokenA, { monthlyQuota: null })).status).toBe(403);
    // Nothing of a refused patch is applied, not even its other fields.
    expect((await patchAs(tokenA, { throughputPerSecond: 500, callbackUrl: null })).status).toBe(403);
    const admin = await t.admin('PATCH', `/api/v1/apps/${app.appId}`, { throughputPerSecond: 500, monthlyQuota: null });
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ throughputPerSecond: 500, monthlyQuota: null, callbackUrl: 'https://example.com/dlr' });
  });

  it("answers 404 to another account's customer and 400 to an empty or invalid patch", async () => {
    expect((await patchAs(tokenB, { throughputPerSecond: 1 })).status).toBe(404);
    expect((await patchAs(tokenA, {})).status).toBe(400);
    expect((await patchAs(tokenA, { callbackUrl: 'ftp://example.com' })).status).toBe(400);
    expect((await patchAs(tokenA, { senders: ['not a valid sender id at all'] })).status).toBe(400);
    expect((await patchAs(tokenA, { name: 'renamed' })).status).toBe(400);
  });
});
