/**
 * Status callbacks against endpoints that hang or fail, on real Redis,
 * PostgreSQL and the simulator: messages still complete promptly, the
 * callbacks are retried with backoff up to CALLBACK_MAX_ATTEMPTS, then
 * dead-lettered, listed through the API and sent again on request.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../../helpers/gateway';

let t: TestGateway;
let server: Server;
let base: string;
let mode: 'hang' | 'fail' | 'ok' = 'hang';
const hits: Array<{ path: string; body: string; signature: string | undefined }> = [];
const hanging: ServerResponse[] = [];
let open = 0;
let maxOpen = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => open--);
    req.on('end', () => {
      hits.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-smsgw-signature'] as string | undefined });
      if (mode === 'hang') return void hanging.push(res);
      res.statusCode = mode === 'ok' ? 200 : 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await startTestGateway({
    env: { CALLBACK_MAX_ATTEMPTS: '3', CALLBACK_TIMEOUT_MS: '300', CALLBACK_HOST_CONCURRENCY: '4' },
    simulatorOptions: { dlrDelayMs: 20 },
  });
});

afterAll(async () => {
  await t?.stop();
  for (const res of hanging) res.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function finalCount(appId: string): Promise<number> {
  const { rows } = await t.gw.db.raw(`SELECT count(*)::int AS n FROM messages WHERE app_id = ? AND status = 'delivered'`, [appId]);
  return rows[0].n;
}

describe('callbacks to a dead endpoint', () => {
  it('never slow the messages; they are retried, then dead-lettered and visible', { timeout: 60_000 }, async () => {
    mode = 'hang';
    const { creds } = await t.customer(10_000, { callbackUrl: `${base}/hang` });
    const started = Date.now();
    const numbers = Array.from({ length: 30 }, (_, i) => `98912${String(5_000_000 + i)}`);
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: numbers, text: 'hanging callbacks' });
    expect(r.status).toBe(202);
    // A second batch while the first one's callbacks hang.
    const r2 = await t.asApp(creds, 'POST', '/api/v1/messages', { to: numbers.map((n) => n.replace('98912', '98913')), text: 'more' });
    expect(r2.status).toBe(202);
    await eventually(async () => ((await finalCount(creds.appId)) === 60 ? true : undefined), 10_000, 'every message delivered');
    expect(Date.now() - started).toBeLessThan(10_000);

    const dead = await eventually(async () => {
      const list = await t.admin('GET', `/api/v1/callbacks/dead?limit=500&appId=${creds.appId}`);
      return list.body.items.length === 60 ? list.body.items : undefined;
    }, 45_000, 'every callback dead-lettered');
    // At most CALLBACK_HOST_CONCURRENCY requests were open at this host at once (one gateway process).
    expect(maxOpen).toBeLessThanOrEqual(4);
    expect(hits.filter((h) => h.path === '/hang')).toHaveLength(60 * 3);
    expect(dead[0]).toMatchObject({ appId: creds.appId, kind: 'status', url: `${base}/hang`, attempts: 3, lastError: 'timeout' });
    expect(JSON.parse(dead[0].body)).toMatchObject({ status: 'delivered' });
    expect((await t.gw.metrics.callbacksDeadLettered.get()).values[0]?.value).toBeGreaterThanOrEqual(60);
  });

  it('a failing endpoint is retried with backoff; the app lists and retries its dead callbacks', async () => {
    mode = 'fail';
    const { creds } = await t.customer(10_000, { callbackUrl: `${base}/fail` });
    const other = await t.customer(0);
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989126660001', text: 'failing callback' });
    const id = r.body.messages[0].id;
    const entry = await eventually(async () => {
      const list = await t.asApp(creds, 'GET', '/api/v1/callbacks/dead');
      return list.body.items.find((d: { body: string }) => JSON.parse(d.body).id === id);
    }, 15_000, 'the dead callback');
    expect(entry).toMatchObject({ attempts: 3, lastError: 'HTTP 500' });
    expect(hits.filter((h) => h.path === '/fail' && JSON.parse(h.body).id === id)).toHaveLength(3);
    // Another app sees none of it and cannot touch it.
    expect((await t.asApp(other.creds, 'GET', '/api/v1/callbacks/dead')).body.items).toEqual([]);
    expect((await t.asApp(other.creds, 'POST', `/api/v1/callbacks/dead/${entry.id}/retry`)).status).toBe(404);

    mode = 'ok';
    expect((await t.asApp(creds, 'POST', `/api/v1/callbacks/dead/${entry.id}/retry`)).status).toBe(202);
    const delivered = await eventually(async () => hits.filter((h) => h.path === '/fail' && JSON.parse(h.body).id === id).at(3), 10_000, 'the retried callback');
    expect(delivered.signature).toBe(`sha256=${createHmac('sha256', creds.secret).update(delivered.body).digest('hex')}`);
    expect((await t.asApp(creds, 'GET', '/api/v1/callbacks/dead')).body.items).toEqual([]);
    expect((await t.admin('DELETE', `/api/v1/callbacks/dead/${entry.id}`)).status).toBe(404);
  });
});
