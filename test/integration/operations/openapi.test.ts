/**
 * The OpenAPI document: served without authentication, OpenAPI 3.1, one
 * operation per mounted express route (and no operation without a route),
 * every example request in it validates against the zod schema of its
 * route, and the live handler accepts it (no validation error). /docs is a
 * self-contained HTML page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, type ApiRoute } from '../../../src/http/api-routes';
import { openApiPath } from '../../../src/http/openapi';
import { mountedRoutes } from '../../../src/http/route-list';
import { ADMIN_TOKEN, basic, request, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { MOUNTED_PAGES } from './route-pages';

let t: TestGateway;
let doc: { openapi: string; paths: Record<string, Record<string, any>> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
let app: AppCreds;
let accountId: string;
let customerToken: string;

beforeAll(async () => {
  t = await startTestGateway();
  doc = (await request(t.base, 'GET', '/api/v1/openapi.json')).body;
  const customer = await t.customer(1000);
  app = customer.creds;
  accountId = customer.accountId;
  await request(t.base, 'POST', '/api/v1/auth/register', { body: { email: 'doc@example.com', password: 'doc long password', name: 'Doc' } });
  customerToken = (await request(t.base, 'POST', '/api/v1/auth/login', { body: { email: 'doc@example.com', password: 'doc long password' } })).body.accessToken;
});

afterAll(async () => {
  await t?.stop();
});

const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and served without authentication', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  });

  it('has an operation for every mounted express route, and a route for every operation', () => {
    const mounted = mountedRoutes(t.gw.httpApp).filter((r) => !MOUNTED_PAGES.some((p) => r.path === p || r.path.startsWith(`${p}/`)));
    const inDoc = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => key(m, path))));
    const missing = mounted.map((r) => key(r.method, openApiPath(r.path))).filter((k) => !inDoc.has(k));
    expect(missing, 'routes missing from the OpenAPI document (add them to src/http/api-routes.ts)').toEqual([]);
    const mountedKeys = new Set(mounted.map((r) => key(r.method, openApiPath(r.path))));
    expect([...inDoc].filter((k) => !mountedKeys.has(k)), 'operations with no route').toEqual([]);
  });

  it("has an example for every request body, and each example from the document validates against its route's zod schema", () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[openApiPath(route.path)]?.[route.method];
      expect(op, key(route.method, route.path)).toBeDefined();
      if (route.request?.body) {
        const example = op.requestBody?.content?.['application/json']?.example;
        expect(example, `${key(route.method, route.path)} has no example body`).toBeDefined();
        const parsed = route.request.body.safeParse(example);
        expect(parsed.success, `${key(route.method, route.path)}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      for (const part of ['query', 'params'] as const) {
        const schema = route.request?.[part];
        if (!schema) continue;
        const example = op['x-example']?.[part] ?? {};
        const parsed = schema.safeParse(example);
        expect(parsed.success, `${key(route.method, route.path)} ${part}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      if (route.request?.params) {
        const names = [...openApiPath(route.path).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(Object.keys(route.request.params.shape).sort()).toEqual(names.sort());
      }
    }
  });

  it('every example request passes the live handler\'s validation', async () => {
    const headersFor = (route: ApiRoute): Record<string, string> => {
      if ('public' in route.access) return {};
      if (route.access.roles.includes('admin')) return { authorization: `Bearer ${ADMIN_TOKEN}` };
      if (route.access.roles.includes('app')) return { authorization: basic(app) };
      return { authorization: `Bearer ${customerToken}` };
    };
    for (const route of API_ROUTES) {
      if (!route.request) continue;
      const op = doc.paths[openApiPath(route.path)]![route.method];
      const example = { body: op.requestBody?.content?.['application/json']?.example, ...op['x-example'] };
      let path = route.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(example.params?.[name] ?? ''));
      if (example.query) path += `?${new URLSearchParams(example.query).toString()}`;
      const r = await request(t.base, route.method.toUpperCase(), path, { headers: headersFor(route), ...(example.body !== undefined ? { body: example.body } : {}) });
      expect(r.body?.error?.details?.issues, `${key(route.method, route.path)} answered ${r.status} ${JSON.stringify(r.body)}`).toBeUndefined();
      expect(r.status, key(route.method, route.path)).toBeLessThan(500);
    }
  });

  it('documents answers with schemas that the live answers match', async () => {
    const checked: string[] = [];
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const [path, route] of [
      ['/api/v1/auth/me', '/api/v1/auth/me'],
      ['/api/v1/users?limit=5', '/api/v1/users'],
      ['/api/v1/audit?limit=5', '/api/v1/audit'],
      [`/api/v1/accounts/${accountId}/apps`, '/api/v1/accounts/:id/apps'],
      [`/api/v1/accounts/${accountId}`, '/api/v1/accounts/:id'],
    ] as const) {
      const entry = API_ROUTES.find((r) => r.method === 'get' && r.path === route)!;
      const r = await request(t.base, 'GET', path, { headers: admin });
      expect(r.status, path).toBe(200);
      const parsed = entry.success.schema!.safeParse(r.body);
      expect(parsed.success, `${route}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(doc.paths[openApiPath(route)]!.get.responses['200'].content['application/json'].schema).not.toEqual({});
      checked.push(route);
    }
    expect(checked).toHaveLength(5);
  });

  it('is browsable at /docs as one self-contained HTML page', async () => {
    const r = await request(t.base, 'GET', '/docs');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    const html = r.body as string;
    expect(html).not.toMatch(/<script|https?:\/\/(?!example)/i);
    for (const path of Object.keys(doc.paths)) expect(html).toContain(path);
  });
});
