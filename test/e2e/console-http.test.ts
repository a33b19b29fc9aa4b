/**
 * What the console stands on, without a browser: /console serves the built
 * app (index.html for client routes, hashed assets cached, 503 JSON when not
 * built), and GET /api/v1/stream/stats is a server-sent-events stream for
 * any operator client.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRouter } from '../../src/http/console-routes';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../helpers/gateway';

async function serve(distDir: string): Promise<{ base: string; close: () => Promise<void> }> {
  const app = express();
  app.use('/console', consoleRouter({ distDir }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('/console', () => {
  let dist: string;
  beforeAll(() => {
    dist = mkdtempSync(join(tmpdir(), 'smsgw-console-'));
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it('answers 503 with a JSON error naming the build command while the console is not built', async () => {
    const s = await serve(join(dist, 'missing'));
    try {
      const r = await fetch(`${s.base}/console/`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('CONSOLE_NOT_BUILT');
      expect(body.error.message).toContain('npm run console:build');
    } finally {
      await s.close();
    }
  });

  it('serves index.html for client-side routes, files as they are, and caches hashed assets', async () => {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    const s = await serve(dist);
    try {
      const bare = await fetch(`${s.base}/console`, { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe('/console/');
      for (const path of ['/console/', '/console/messages/0190a6b2-7c1e-7000-8000-000000000001', '/console/carriers']) {
        const r = await fetch(`${s.base}${path}`);
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toContain('text/html');
        expect(r.headers.get('cache-control')).toBe('no-cache');
        expect(await r.text()).toContain('<title>console</title>');
      }
      const asset = await fetch(`${s.base}/console/assets/index-abc123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect(await asset.text()).toBe('console.log(1)');
      expect((await fetch(`${s.base}/console/assets/missing.js`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});

describe('GET /api/v1/stream/stats', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses callers without operator credentials', async () => {
    expect((await fetch(`${t.base}/api/v1/stream/stats`)).status).toBe(401);
    const wrong = await fetch(`${t.base}/api/v1/stream/stats`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('pushes a stats event every second with throughput, delivery ratio, queues and carrier states', async () => {
    const customer = await t.customer(1_000);
    const controller = new AbortController();
    const response = await fetch(`${t.base}/api/v1/stream/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: Array<{ at: string; totals: { accepted: number; final: Record<string, number> }; [k: string]: unknown }> = [];
    let buffer = '';
    let sent = false;
    const deadline = Date.now() + 20_000;
    try {
      while (Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: stats') && data) events.push(JSON.parse(data.slice(6)));
        }
        if (!sent && events.length > 0) {
          sent = true;
          const r = await t.asApp(customer.creds, 'POST', '/api/v1/messages', { to: '+989121234567', text: 'stream' });
          expect(r.status).toBe(202);
        }
        if ((events.at(-1)?.totals.final.delivered ?? 0) >= 1) break;
      }
    } finally {
      controller.abort();
    }
    const last = events.at(-1)!;
    expect(last.totals.accepted).toBe(1);
    expect(last.totals.final.delivered).toBe(1);
    expect(last).toMatchObject({
      throughput: { inPerSecond: expect.any(Number), outPerSecond: expect.any(Number), finalPerSecond: expect.any(Number) },
      deliveryRatio: { sinceStart: 1 },
      carriers: [expect.objectContaining({ name: 'simulator', breaker: 'closed', boundSessions: expect.any(Number) })],
    });
    expect((last.queues as Array<{ queue: string }>).map((q) => q.queue)).toContain('dispatch');
    // One a second: consecutive samples about a second apart.
    if (events.length >= 3) {
      const gap = Date.parse(events.at(-1)!.at) - Date.parse(events.at(-2)!.at);
      expect(gap).toBeGreaterThan(700);
      expect(gap).toBeLessThan(1600);
    }
  }, 30_000);
});
