/**
 * What an app key (appId + secret) reaches, for docs/security.md: its own
 * app's messages and its own account's balance, nothing of another app or
 * account, and no operator endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let mallory: AppCreds;
let alice: AppCreds;
let aliceAccount: string;
let aliceMessage: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { GATEWAY_ROLES: 'api,smpp' } });
  ({ creds: alice, accountId: aliceAccount } = await t.customer(1_000));
  ({ creds: mallory } = await t.customer(50));
  const sent = await t.asApp(alice, 'POST', '/api/v1/messages', { to: '989121234567', text: 'private' });
  aliceMessage = sent.body.messages[0].id;
});

afterAll(async () => {
  await t?.stop();
});

describe('an attacker holding one app key', () => {
  it("cannot read another app's message, nor find it in its list, nor see another account's balance", async () => {
    expect((await t.asApp(alice, 'GET', `/api/v1/messages/${aliceMessage}`)).status).toBe(200);
    const stolen = await t.asApp(mallory, 'GET', `/api/v1/messages/${aliceMessage}`);
    expect(stolen.status).toBe(404);
    expect(JSON.stringify(stolen.body)).not.toContain('private');
    const list = await t.asApp(mallory, 'GET', '/api/v1/messages');
    expect(list.body.items).toEqual([]);
    expect((await t.asApp(mallory, 'GET', '/api/v1/balance')).body).toEqual({ balance: 50 });
  });

  it('cannot credit an account, read one, or change routes and carriers', async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['POST', `/api/v1/accounts/${aliceAccount}/credit`, { amount: 1_000_000 }],
      ['GET', `/api/v1/accounts/${aliceAccount}`],
      ['PUT', '/api/v1/routes', [{ prefix: '', carriers: ['simulator'], price: 0 }]],
      ['POST', '/api/v1/carriers', { name: 'evil', host: '127.0.0.1', port: 1, systemId: 'x', password: 'y' }],
      ['GET', '/api/v1/dlq'],
    ];
    for (const [method, path, body] of calls) expect((await t.asApp(mallory, method, path, body)).status, `${method} ${path}`).toBe(401);
  });

  it('cannot spend beyond its own balance', async () => {
    const r = await t.asApp(mallory, 'POST', '/api/v1/messages', { to: Array.from({ length: 11 }, (_, i) => `98912123450${String(i).padStart(2, '0')}`), text: 'spend' });
    expect(r.status).toBe(402);
    expect((await t.asApp(mallory, 'GET', '/api/v1/balance')).body).toEqual({ balance: 50 });
  });
});
