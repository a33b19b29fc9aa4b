/**
 * The authorization matrix: every route mounted on the express app, called
 * by every kind of caller, against an explicit table of who may call it.
 * A route added without an entry here fails the test (and so does an entry
 * whose route is gone). Then: a customer never reads another account's
 * messages, account, apps, ledger, quota, templates, numbers or reports.
 *
 * "Allowed" means the gate let the call through (any status but 401/403;
 * 404 for a made-up id is fine). "Denied" is 401 or 403, or 404 where the
 * path names another account's resource (so its existence is not confirmed).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../../src/http/api-routes';
import { mountedRoutes } from '../../../src/http/route-list';
import { ADMIN_TOKEN, basic, eventually, request, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { MOUNTED_PAGES } from './route-pages';

const CALLERS = ['token', 'admin', 'reviewer', 'finance', 'custA', 'custB', 'app', 'none'] as const;
type Caller = (typeof CALLERS)[number];

const ALL = 'token admin reviewer finance custA custB app none';
const OPS = 'token admin';

/** Who may call each route. Paths name customer A's account, app and message. */
const EXPECTED: Record<string, string> = {
  'GET /healthz': ALL,
  'GET /readyz': ALL,
  'GET /metrics': ALL,
  'GET /api/v1/openapi.json': ALL,
  'GET /docs': ALL,
  'POST /api/v1/auth/register': ALL,
  'POST /api/v1/auth/login': ALL,
  'POST /api/v1/auth/refresh': ALL,
  'POST /api/v1/auth/password-reset': ALL,
  'POST /api/v1/auth/password-reset/confirm': ALL,
  'POST /api/v1/auth/logout': 'admin reviewer finance custA custB',
  'GET /api/v1/auth/me': 'token admin reviewer finance custA custB app',
  'POST /api/v1/users': OPS,
  'GET /api/v1/users': OPS,
  'PATCH /api/v1/users/:id': OPS,
  'POST /api/v1/accounts': OPS,
  'GET /api/v1/accounts/:id': 'token admin finance custA',
  'POST /api/v1/accounts/:id/credit': 'token admin finance',
  'POST /api/v1/accounts/:id/apps': 'token admin custA',
  'GET /api/v1/accounts/:id/apps': 'token admin finance custA',
  'POST /api/v1/apps/:appId/secret': 'token admin custA',
  'POST /api/v1/carriers': OPS,
  'GET /api/v1/carriers': OPS,
  'PATCH /api/v1/carriers/:id': OPS,
  'DELETE /api/v1/carriers/:id': OPS,
  'PUT /api/v1/routes': OPS,
  'GET /api/v1/routes': 'token admin finance',
  'GET /api/v1/routes/resolve': 'token admin finance',
  'GET /api/v1/dlq': OPS,
  'POST /api/v1/dlq/:id/requeue': OPS,
  'DELETE /api/v1/dlq/:id': OPS,
  'POST /api/v1/dlq/requeue-all': OPS,
  'POST /api/v1/dlq/discard-all': OPS,
  'POST /api/v1/messages': 'app',
  'GET /api/v1/messages/:id': 'token admin custA app',
  'GET /api/v1/messages': 'token admin custA custB app',
  'GET /api/v1/balance': 'custA custB app',
  'POST /api/v1/messages/:id/cancel': 'token admin app',
  'POST /api/v1/batches': 'app',
  'GET /api/v1/batches': 'token admin custA custB app',
  'GET /api/v1/batches/:id': 'token admin custA app',
  'GET /api/v1/batches/:id/messages': 'token admin custA app',
  'POST /api/v1/batches/:id/cancel': 'token admin custA app',
  'GET /api/v1/audit': OPS,
  'GET /api/v1/queues': OPS,
  'POST /api/v1/queues/:name/pause': OPS,
  'POST /api/v1/queues/:name/resume': OPS,
  'POST /api/v1/queues/:name/retry-failed': OPS,
  'POST /api/v1/carriers/:id/pause': OPS,
  'POST /api/v1/carriers/:id/resume': OPS,
  'GET /api/v1/stream/stats': OPS,
  'GET /api/v1/reports': 'token admin finance custA custB',
  'POST /api/v1/rules': 'token admin reviewer',
  'GET /api/v1/rules': 'token admin reviewer',
  'DELETE /api/v1/rules/:id': 'token admin reviewer',
  'GET /api/v1/review/held': 'token admin reviewer',
  'POST /api/v1/review/held/:id/approve': 'token admin reviewer',
  'POST /api/v1/review/held/:id/reject': 'token admin reviewer',
  'GET /api/v1/templates': 'token admin reviewer',
  'GET /api/v1/templates/:id': 'token admin reviewer',
  'POST /api/v1/templates/:id/approve': 'token admin reviewer',
  'POST /api/v1/templates/:id/reject': 'token admin reviewer',
  'DELETE /api/v1/templates/:id': 'token admin reviewer',
  'POST /api/v1/apps/:appId/templates': 'token admin custA app',
  'GET /api/v1/apps/:appId/templates': 'token admin custA app',
  'DELETE /api/v1/apps/:appId/templates/:id': 'token admin custA app',
  'GET /api/v1/accounts/:id/ledger': 'token admin finance custA',
  'GET /api/v1/accounts/:id/rates': 'token admin finance',
  'PUT /api/v1/accounts/:id/rates': 'token admin finance',
  'PATCH /api/v1/accounts/:id': 'token admin finance',
  'GET /api/v1/billing': 'app',
  'POST /api/v1/apps/:appId/numbers': 'token admin custA',
  'GET /api/v1/apps/:appId/numbers': 'token admin custA',
  'DELETE /api/v1/apps/:appId/numbers/:numberId': 'token admin custA',
  'PATCH /api/v1/apps/:appId': 'token admin custA',
  'GET /api/v1/apps/:appId/quota': 'token admin finance custA',
  'GET /api/v1/mo': 'token admin app',
  'GET /api/v1/callbacks/dead': 'token admin app',
  'POST /api/v1/callbacks/dead/:id/retry': 'token admin app',
  'DELETE /api/v1/callbacks/dead/:id': 'token admin app',
};

let t: TestGateway;
let accountA: string;
let accountB: string;
let appA: AppCreds;
let appB: AppCreds;
let messageA: string;
let messageB: string;
const passwords: Record<string, string> = {};
const tokens: Partial<Record<Caller, string>> = {};

async function login(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const r = await request(t.base, 'POST', '/api/v1/auth/login', { body: { email, password: passwords[email] } });
  expect(r.status, `login ${email}`).toBe(200);
  return r.body;
}

const EMAIL: Record<'admin' | 'reviewer' | 'finance' | 'custA' | 'custB', string> = {
  admin: 'm-admin@example.com',
  reviewer: 'm-reviewer@example.com',
  finance: 'm-finance@example.com',
  custA: 'm-a@example.com',
  custB: 'm-b@example.com',
};

function headersOf(caller: Caller, token?: string): Record<string, string> {
  switch (caller) {
    case 'token':
      return { authorization: `Bearer ${ADMIN_TOKEN}` };
    case 'app':
      return { authorization: basic(appA) };
    case 'none':
      return {};
    default:
      return { authorization: `Bearer ${token ?? tokens[caller]}` };
  }
}

/** Status only; streams (server-sent events) are not read to their end. */
async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  const init: RequestInit = { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`${t.base}${path}`, init);
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('application/json')) return { status: response.status, json: await response.json() };
  await response.body?.cancel().catch(() => undefined);
  return { status: response.status, json: undefined };
}

beforeAll(async () => {
  t = await startTestGateway({ rollupIntervalMs: 1000 });
  for (const [caller, email] of Object.entries(EMAIL)) passwords[email] = `${caller} long password`;
  for (const role of ['admin', 'reviewer', 'finance'] as const) {
    expect((await t.admin('POST', '/api/v1/users', { email: EMAIL[role], password: passwords[EMAIL[role]], name: role, role })).status).toBe(201);
  }
  const regA = await request(t.base, 'POST', '/api/v1/auth/register', { body: { email: EMAIL.custA, password: passwords[EMAIL.custA], name: 'A' } });
  const regB = await request(t.base, 'POST', '/api/v1/auth/register', { body: { email: EMAIL.custB, password: passwords[EMAIL.custB], name: 'B' } });
  accountA = regA.body.accountId;
  accountB = regB.body.accountId;
  for (const caller of ['admin', 'reviewer', 'finance', 'custA', 'custB'] as const) tokens[caller] = (await login(EMAIL[caller])).accessToken;
  for (const id of [accountA, accountB]) expect((await t.admin('POST', `/api/v1/accounts/${id}/credit`, { amount: 1000 })).status).toBe(200);
  appA = (await request(t.base, 'POST', `/api/v1/accounts/${accountA}/apps`, { body: { name: 'a', throughputPerSecond: 10_000 }, headers: headersOf('custA') })).body;
  appB = (await request(t.base, 'POST', `/api/v1/accounts/${accountB}/apps`, { body: { name: 'b', throughputPerSecond: 10_000 }, headers: headersOf('custB') })).body;
  messageA = (await t.asApp(appA, 'POST', '/api/v1/messages', { to: '989121234567', text: 'from A' })).body.messages[0].id;
  messageB = (await t.asApp(appB, 'POST', '/api/v1/messages', { to: '989121234568', text: 'from B' })).body.messages[0].id;
});

afterAll(async () => {
  await t?.stop();
});

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

function concretePath(path: string): string {
  return path
    .replace(/^\/api\/v1\/accounts\/:id/, `/api/v1/accounts/${accountA}`)
    .replace(':appId', appA.appId)
    .replace(/^\/api\/v1\/messages\/:id$/, `/api/v1/messages/${messageA}`)
    .replace(/\/callbacks\/dead\/:id/, '/callbacks/dead/999999')
    .replace(':name', 'no-such-queue')
    .replace(/:(\w+)/g, () => randomUUID());
}

/** A valid body per route (the route table's example, with a few made safe or real). */
async function bodyFor(key: string, caller: Caller): Promise<unknown> {
  if (key === 'POST /api/v1/auth/login') return { email: EMAIL.custA, password: passwords[EMAIL.custA] };
  if (key === 'POST /api/v1/auth/refresh') return { refreshToken: (await login(EMAIL.custA)).refreshToken };
  if (key === 'POST /api/v1/auth/register') return { email: `r-${randomUUID()}@example.com`, password: 'a long password', name: `by ${caller}` };
  if (key === 'POST /api/v1/carriers') return { name: `c-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', port: 9, systemId: 'x', password: 'x', enabled: false };
  if (key === 'PUT /api/v1/routes') return [{ prefix: '', carriers: ['simulator'], price: 5 }];
  const route = API_ROUTES.find((r) => routeKey(r.method, r.path) === key);
  return route?.example?.body;
}

describe('the authorization matrix', () => {
  it('has an entry for every mounted route, and a route for every entry', () => {
    const mounted = mountedRoutes(t.gw.httpApp)
      .filter((r) => !MOUNTED_PAGES.some((p) => r.path === p || r.path.startsWith(`${p}/`)))
      .map((r) => routeKey(r.method, r.path));
    expect(mounted.filter((k) => !(k in EXPECTED)), 'routes without an entry in EXPECTED').toEqual([]);
    expect(Object.keys(EXPECTED).filter((k) => !mounted.includes(k)), 'entries without a route').toEqual([]);
    // The route table (which the gate enforces) lists every mounted route too.
    const table = new Set(API_ROUTES.map((r) => routeKey(r.method, r.path)));
    expect(mounted.filter((k) => !table.has(k)), 'routes missing from src/http/api-routes.ts').toEqual([]);
  });

  it('lets exactly the expected callers through on every route', async () => {
    const wrong: string[] = [];
    for (const [key, allowedList] of Object.entries(EXPECTED)) {
      const [method, path] = key.split(' ') as [string, string];
      const allowed = new Set(allowedList.split(' '));
      for (const caller of CALLERS) {
        // Logging out revokes the session: use a fresh one so the other calls keep theirs.
        const token = key === 'POST /api/v1/auth/logout' && caller in EMAIL ? (await login(EMAIL[caller as keyof typeof EMAIL])).accessToken : undefined;
        const r = await call(method, concretePath(path), headersOf(caller, token), method === 'GET' || method === 'DELETE' ? undefined : await bodyFor(key, caller));
        if (key === 'POST /api/v1/apps/:appId/secret' && r.status === 200) appA = { ...appA, secret: r.json.secret };
        const denied = r.status === 401 || r.status === 403 || (r.status === 404 && (caller === 'custB' || caller === 'none'));
        if (allowed.has(caller) === denied) wrong.push(`${key} as ${caller}: ${r.status} (expected ${allowed.has(caller) ? 'allowed' : 'denied'}) ${JSON.stringify(r.json?.error ?? '')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('guards the mounted pages: bull-board for the admin token only', async () => {
    expect((await call('GET', '/admin/queues', headersOf('token'))).status).toBeLessThan(400);
    for (const caller of ['custA', 'app', 'none'] as const) expect((await call('GET', '/admin/queues', headersOf(caller))).status, caller).toBe(401);
  });
});

describe('a customer never reads another account', () => {
  const asB = () => headersOf('custB');

  it("cannot read account A, its apps, ledger, quota, templates or numbers, nor rotate A's keys", async () => {
    for (const [method, path] of [
      ['GET', `/api/v1/accounts/${accountA}`],
      ['GET', `/api/v1/accounts/${accountA}/apps`],
      ['GET', `/api/v1/accounts/${accountA}/ledger`],
      ['POST', `/api/v1/accounts/${accountA}/apps`],
      ['GET', `/api/v1/apps/${appA.appId}/quota`],
      ['GET', `/api/v1/apps/${appA.appId}/templates`],
      ['GET', `/api/v1/apps/${appA.appId}/numbers`],
      ['POST', `/api/v1/apps/${appA.appId}/secret`],
    ] as const) {
      const r = await call(method, path, asB(), method === 'POST' ? { name: 'x' } : undefined);
      expect([403, 404], `${method} ${path}: ${r.status}`).toContain(r.status);
    }
    expect((await call('GET', `/api/v1/accounts/${accountB}`, asB())).json).toMatchObject({ id: accountB, balance: expect.any(Number) });
  });

  it("cannot read A's messages, by id or in lists, as a user or with its app", async () => {
    expect((await call('GET', `/api/v1/messages/${messageA}`, asB())).status).toBe(404);
    expect((await call('GET', `/api/v1/messages/${messageA}`, { authorization: basic(appB) })).status).toBe(404);
    const listB = (await call('GET', '/api/v1/messages', asB())).json.items.map((m: { id: string }) => m.id);
    expect(listB).toEqual([messageB]);
    const listA = (await call('GET', '/api/v1/messages', headersOf('custA'))).json.items.map((m: { id: string }) => m.id);
    // A's list holds A's messages (the matrix sent more with A's app), never B's.
    expect(listA).toContain(messageA);
    expect(listA).not.toContain(messageB);
    expect((await call('GET', `/api/v1/messages/${messageA}`, headersOf('custA'))).json).toMatchObject({ id: messageA });
    expect((await call('GET', '/api/v1/balance', asB())).json.balance).toBeLessThanOrEqual(1000);
  });

  it('reads reports of its own account only, without cost or margin', async () => {
    expect((await call('GET', `/api/v1/reports?accountId=${accountA}`, asB())).status).toBe(404);
    // Once the rollup has both messages, the operator sees two accounts' messages and B sees one.
    const everything = await eventually(async () => {
      const r = await call('GET', '/api/v1/reports?groupBy=status', headersOf('token'));
      const total = (r.json?.items ?? []).reduce((n: number, i: { messages: number }) => n + i.messages, 0);
      return total >= 2 ? r.json : undefined;
    }, 90_000, 'the rollup to count both messages');
    expect(everything.items.length).toBeGreaterThan(0);
    const mine = (await call('GET', '/api/v1/reports?groupBy=status', asB())).json;
    expect(mine.items.reduce((n: number, i: { messages: number }) => n + i.messages, 0)).toBe(1);
    for (const item of mine.items) expect(item).toMatchObject({ cost: null, margin: null });
  }, 120_000);
});
