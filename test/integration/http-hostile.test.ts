/** Hostile HTTP clients against the real gateway: guessing credentials, slow and huge requests. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, request, startTestGateway, type TestGateway } from '../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ httpHeadersTimeoutMs: 1_500 });
});

afterAll(async () => {
  await t?.stop();
});

describe('an address that keeps failing authentication', () => {
  it('gets 429 with Retry-After after 20 failures a minute, even with good credentials, and others are unaffected', async () => {
    const { creds } = await t.customer(100);
    for (let i = 0; i < 20; i++) {
      const r = await t.asApp({ ...creds, secret: `sk_guess_${i}` }, 'GET', '/api/v1/balance');
      expect(r.status).toBe(401);
    }
    const blocked = await t.asApp(creds, 'GET', '/api/v1/balance');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('THROTTLED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const operatorBlocked = await t.admin('GET', '/api/v1/routes');
    expect(operatorBlocked.status).toBe(429);
  });
});

describe('hostile bodies', () => {
  it('a deeply nested JSON body is a clear 400, and the process keeps serving', async () => {
    const fresh = await startTestGateway();
    try {
      const { creds } = await fresh.customer(100);
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const r = await request(fresh.base, 'POST', '/api/v1/messages', { raw: deep, headers: { authorization: basic(creds), 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('INVALID_REQUEST');
      const lone = await fresh.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'broken \ud800 surrogate' });
      expect(lone.status).toBe(202); // a lone surrogate arrives as U+FFFD once UTF-8 decoded; nothing breaks
      expect((await request(fresh.base, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await fresh.stop();
    }
  });
});

describe('a slow client', () => {
  it('that never finishes its headers is cut off, and does not hold the server', async () => {
    const port = Number(new URL(t.base).port);
    const socket = connect(port, '127.0.0.1');
    socket.write('POST /api/v1/messages HTTP/1.1\r\nHost: x\r\n');
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect((await request(t.base, 'GET', '/healthz')).status).toBe(200);
    // The headers timeout is 10 s in production; this gateway's is 1.5 s.
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);
});
