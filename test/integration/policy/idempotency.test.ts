/**
 * Idempotency-Key on POST /api/v1/messages, on real PostgreSQL and Redis:
 * the same key and body answer the first response again and charge once; a
 * different body is a 409; concurrent duplicates create one set of messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ simulatorOptions: { dlrDelayMs: 20 } });
});

afterAll(async () => {
  await t?.stop();
});

async function count(sql: string, params: string[]): Promise<number> {
  const { rows } = await t.gw.db.raw(sql, params);
  return Number(rows[0].n);
}

describe('Idempotency-Key', () => {
  it('a resubmission returns the same ids and status and is charged once', async () => {
    const { accountId, creds } = await t.customer(1_000);
    const body = { to: ['989121110001', '989121110002'], text: 'once only' };
    const first = await t.asApp(creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'order-42' });
    expect(first.status).toBe(202);
    const again = await t.asApp(creds, 'POST', '/api/v1/messages', { text: 'once only', to: ['989121110001', '989121110002'] }, { 'Idempotency-Key': 'order-42' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    await eventually(async () => ((await count(`SELECT count(*) AS n FROM ledger WHERE account_id = ? AND kind = 'charge'`, [accountId])) === 2 ? true : undefined), 10_000, 'the charges');
    expect(await count('SELECT count(*) AS n FROM messages WHERE app_id = ?', [creds.appId])).toBe(2);
    const balance = (await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance;
    expect(balance).toBe(1_000 - 10);
    // After the messages went out, the replay still answers the original 202.
    const later = await t.asApp(creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'order-42' });
    expect(later.status).toBe(202);
    expect(later.body).toEqual(first.body);
  });

  it('the same key with a different body is a 409 and creates nothing', async () => {
    const { creds } = await t.customer(1_000);
    const first = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110003', text: 'a' }, { 'Idempotency-Key': 'k-1' });
    expect(first.status).toBe(202);
    const other = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121110003', text: 'b' }, { 'Idempotency-Key': 'k-1' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('CONFLICT');
    expect(await count('SELECT count(*) AS n FROM messages WHERE app_id = ?', [creds.appId])).toBe(1);
  });

  it('concurrent submissions with one key create one set of messages, and all answer its ids', async () => {
    const { accountId, creds } = await t.customer(1_000);
    const body = { to: ['989121110010', '989121110011', '989121110012'], text: 'race' };
    const results = await Promise.all(Array.from({ length: 12 }, () => t.asApp(creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'race-1' })));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 202));
    const ids = results.map((r) => JSON.stringify(r.body.messages.map((m: { id: string }) => m.id)));
    expect(new Set(ids).size).toBe(1);
    expect(await count('SELECT count(*) AS n FROM messages WHERE app_id = ?', [creds.appId])).toBe(3);
    await eventually(async () => ((await count(`SELECT count(*) AS n FROM ledger WHERE account_id = ? AND kind = 'charge'`, [accountId])) === 3 ? true : undefined), 10_000, 'the charges');
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(1_000 - 15);
  });

  it('keys are per app, a refused submission keeps no key, and expired keys are swept', async () => {
    const a = await t.customer(1_000);
    const b = await t.customer(1_000);
    const body = { to: '989121110020', text: 'per app' };
    const ra = await t.asApp(a.creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'shared' });
    const rb = await t.asApp(b.creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'shared' });
    expect(ra.body.messages[0].id).not.toBe(rb.body.messages[0].id);

    const poor = await t.customer(0);
    expect((await t.asApp(poor.creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'retry-me' })).status).toBe(402);
    await t.admin('POST', `/api/v1/accounts/${poor.accountId}/credit`, { amount: 100 });
    expect((await t.asApp(poor.creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': 'retry-me' })).status).toBe(202);

    expect((await t.asApp(a.creds, 'POST', '/api/v1/messages', body, { 'Idempotency-Key': ' bad key' })).status).toBe(400);

    // A key older than 24 h no longer counts, and the sweep deletes it.
    await t.gw.db.raw(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE app_id = ?`, [a.creds.appId]);
    const fresh = await t.asApp(a.creds, 'POST', '/api/v1/messages', { to: '989121110021', text: 'new' }, { 'Idempotency-Key': 'shared' });
    expect(fresh.status).toBe(202);
    expect(fresh.body.messages[0].id).not.toBe(ra.body.messages[0].id);
    await t.gw.db.raw(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE app_id = ?`, [b.creds.appId]);
    const { IdempotencyStore } = await import('../../../src/db/idempotency-store');
    expect(await new IdempotencyStore(t.gw.db, async () => undefined).sweep()).toBe(1);
    expect(await count('SELECT count(*) AS n FROM idempotency_keys WHERE app_id = ?', [b.creds.appId])).toBe(0);
  });
});
