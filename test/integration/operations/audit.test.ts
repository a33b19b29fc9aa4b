/**
 * The audit trail: every change of routes, carriers, credits, apps, keys and
 * users appears in GET /api/v1/audit with who made it and what it was
 * before and after; filters and the cursor work; only admins read it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, request, startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});

afterAll(async () => {
  await t?.stop();
});

async function audit(query: string, token?: string) {
  const r = await request(t.base, 'GET', `/api/v1/audit?${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
  expect(r.status).toBe(200);
  return r.body as { items: Array<Record<string, any>>; nextCursor: string | null }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

describe('the audit trail', () => {
  it('records carrier creation, change and deletion with before and after, never the password', async () => {
    const created = await t.admin('POST', '/api/v1/carriers', { name: 'audited', host: '127.0.0.1', port: 9, systemId: 'a', password: 'pw1' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await t.admin('PATCH', `/api/v1/carriers/${id}`, { window: 42, password: 'pw2' })).status).toBe(200);
    expect((await t.admin('DELETE', `/api/v1/carriers/${id}`)).status).toBe(204);

    const { items } = await audit(`entity=carrier&entityId=${id}`);
    expect(items.map((i) => i.action)).toEqual(['delete', 'update', 'create']);
    for (const item of items) expect(item.actor).toBe('operator');
    const [deleted, updated, create] = items;
    expect(create!.before).toBeNull();
    expect(create!.after).toMatchObject({ id, name: 'audited', window: 10 });
    expect(updated!.before).toMatchObject({ window: 10 });
    expect(updated!.after).toMatchObject({ window: 42 });
    expect(updated!.detail).toMatchObject({ passwordChanged: true });
    expect(deleted!.before).toMatchObject({ window: 42 });
    expect(JSON.stringify(items)).not.toMatch(/pw1|pw2|"password":/);
  });

  it('records a routing table replacement with the old and new table', async () => {
    const before = (await t.admin('GET', '/api/v1/routes')).body.items;
    expect((await t.admin('PUT', '/api/v1/routes', [{ prefix: '', carriers: ['simulator'], price: 7 }])).status).toBe(200);
    const [entry] = (await audit('entity=route&limit=1')).items;
    expect(entry).toMatchObject({ actor: 'operator', action: 'replace', entity: 'route' });
    expect(entry!.before).toEqual(before.map((r: { prefix: string; carriers: string[]; price: number }) => ({ prefix: r.prefix, carriers: r.carriers, price: r.price })));
    expect(entry!.after).toEqual([{ prefix: '', carriers: ['simulator'], price: 7 }]);
  });

  it('records credits, app creation and key rotation, by the operator or by the user who did it', async () => {
    const { accountId, creds } = await t.customer(500);
    const credits = (await audit(`entity=account&entityId=${accountId}`)).items.filter((i) => i.action === 'credit');
    expect(credits).toHaveLength(1);
    expect(credits[0]).toMatchObject({ actor: 'operator', before: { balance: 0 }, after: { balance: 500 }, detail: { amount: 500 } });

    const [app] = (await audit(`entity=app&entityId=${creds.appId}`)).items;
    expect(app).toMatchObject({ actor: 'operator', action: 'create', after: { id: creds.appId, accountId, name: 'app' } });
    expect(JSON.stringify(app)).not.toContain(creds.secret);

    // A customer user rotates its own app's key.
    const reg = await request(t.base, 'POST', '/api/v1/auth/register', { body: { email: 'owner@example.com', password: 'owner long password', name: 'Owner' } });
    const login = await request(t.base, 'POST', '/api/v1/auth/login', { body: { email: 'owner@example.com', password: 'owner long password' } });
    const token = login.body.accessToken as string;
    const own = await request(t.base, 'POST', `/api/v1/accounts/${reg.body.accountId}/apps`, { body: { name: 'mine' }, headers: { authorization: `Bearer ${token}` } });
    expect(own.status).toBe(201);
    const rotated = await request(t.base, 'POST', `/api/v1/apps/${own.body.appId}/secret`, { headers: { authorization: `Bearer ${token}` } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(own.body.secret);
    // The old secret stops working, the new one works.
    expect((await request(t.base, 'GET', '/api/v1/balance', { headers: { authorization: basic({ appId: own.body.appId, secret: own.body.secret }) } })).status).toBe(401);
    expect((await request(t.base, 'GET', '/api/v1/balance', { headers: { authorization: basic({ appId: own.body.appId, secret: rotated.body.secret }) } })).status).toBe(200);

    const keys = (await audit(`entity=key&entityId=${own.body.appId}`)).items;
    expect(keys).toEqual([expect.objectContaining({ actor: `user:${reg.body.userId}`, action: 'rotate', entity: 'key' })]);
    expect(JSON.stringify(keys)).not.toContain(rotated.body.secret);
    expect((await audit(`actor=user:${reg.body.userId}`)).items.map((i) => `${i.entity}:${i.action}`)).toEqual(['key:rotate', 'app:create', 'account:create', 'user:register']);
  });

  it('records staff users and their changes', async () => {
    const created = await t.admin('POST', '/api/v1/users', { email: 'aud@example.com', password: 'auditor password', name: 'Aud', role: 'finance' });
    await t.admin('PATCH', `/api/v1/users/${created.body.id}`, { role: 'reviewer' });
    const { items } = await audit(`entity=user&entityId=${created.body.id}`);
    expect(items.map((i) => i.action)).toEqual(['update', 'create']);
    expect(items[0]).toMatchObject({ before: { role: 'finance' }, after: { role: 'reviewer' } });
    expect(JSON.stringify(items)).not.toMatch(/auditor password|scrypt/);
  });

  it('records content rules created and deleted by a reviewer, under the reviewer\'s name', async () => {
    const reviewer = await t.admin('POST', '/api/v1/users', { email: 'rules@example.com', password: 'reviewer password', name: 'R', role: 'reviewer' });
    const login = await request(t.base, 'POST', '/api/v1/auth/login', { body: { email: 'rules@example.com', password: 'reviewer password' } });
    const headers = { authorization: `Bearer ${login.body.accessToken}` };
    const rule = await request(t.base, 'POST', '/api/v1/rules', { body: { name: 'no lottery', kind: 'keyword', keywords: ['lottery'], action: 'hold' }, headers });
    expect(rule.status).toBe(201);
    expect((await request(t.base, 'DELETE', `/api/v1/rules/${rule.body.id}`, { headers })).status).toBe(204);
    const { items } = await audit(`entity=rule&entityId=${rule.body.id}`);
    expect(items.map((i) => `${i.actor} ${i.action}`)).toEqual([`user:${reviewer.body.id} delete`, `user:${reviewer.body.id} create`]);
    expect(items[1]!.after).toMatchObject({ name: 'no lottery', action: 'hold' });
    expect(items[0]!.before).toMatchObject({ name: 'no lottery' });
  });

  it('pages newest first with a cursor, and only admins may read it', async () => {
    const first = await audit('limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await audit(`limit=2&cursor=${first.nextCursor}`);
    expect(second.items[0]!.id).toBeLessThan(first.items[1]!.id);

    await request(t.base, 'POST', '/api/v1/auth/register', { body: { email: 'nosy@example.com', password: 'nosy long password', name: 'Nosy' } });
    const login = await request(t.base, 'POST', '/api/v1/auth/login', { body: { email: 'nosy@example.com', password: 'nosy long password' } });
    expect((await request(t.base, 'GET', '/api/v1/audit', { headers: { authorization: `Bearer ${login.body.accessToken}` } })).status).toBe(403);
    expect((await request(t.base, 'GET', '/api/v1/audit')).status).toBe(401);
  });
});
