/**
 * The HTTP path end to end on real PostgreSQL, Redis, BullMQ and SMPP: the
 * gateway runs in-process with the built-in simulator as its carrier.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request, startTestGateway, type ApiResponse, type AppCreds, type TestGateway } from '../helpers/gateway';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    simulatorOptions: {
      dlrDelayMs: 20,
      rules: [
        { prefix: '98999', stat: 'UNDELIV', err: '001' },
        { prefix: '98998', stat: 'REJECTD', err: '002' },
        { prefix: '98997', stat: 'EXPIRED', err: '003' },
      ],
    },
  });
});

afterAll(async () => {
  await t?.stop();
});

async function finalOf(creds: AppCreds, id: string) {
  return eventually(async () => {
    const r = await t.asApp(creds, 'GET', `/api/v1/messages/${id}`);
    return ['delivered', 'undelivered', 'expired', 'failed', 'rejected'].includes(r.body.status) ? r.body : undefined;
  }, 15_000, `message ${id} to reach a final state`);
}

async function ledgerRows(messageId: string) {
  const { rows } = await t.gw.db.raw('SELECT kind, amount FROM ledger WHERE message_id = ? ORDER BY id', [messageId]);
  return rows as Array<{ kind: string; amount: number }>;
}

describe('a message submitted over HTTP', () => {
  it('ends delivered, with its events in order and the balance charged exactly once', async () => {
    const { accountId, creds } = await t.customer(1000);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '+98 912 123 4567', text: 'Hello from smsgw', reference: 'r-1' });
    expect(sent.status).toBe(202);
    const [accepted] = sent.body.messages;
    expect(accepted).toMatchObject({ to: '989121234567', parts: 1, encoding: 'gsm7', price: 5, status: 'accepted' });

    const message = await finalOf(creds, accepted.id);
    expect(message).toMatchObject({ id: accepted.id, status: 'delivered', carrier: 'simulator', parts: 1, price: 5, text: 'Hello from smsgw' });
    expect(message.carrierMessageId).toEqual(expect.any(String));
    expect(message.events.map((e: { status: string }) => e.status)).toEqual(['accepted', 'queued', 'submitted', 'delivered']);
    const times = message.events.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    expect(await ledgerRows(accepted.id)).toEqual([{ kind: 'charge', amount: -5 }]);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body).toEqual({ balance: 995 });
    expect((await t.admin('GET', `/api/v1/accounts/${accountId}`)).body.balance).toBe(995);

    // The simulator received exactly one submit_sm for it, GSM as data_coding 0.
    const received = t.gw.simulator!.received.filter((r) => r.messageId === message.carrierMessageId);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ destinationAddr: '989121234567', dataCoding: 0 });
  });

  it('that the carrier marks UNDELIV ends undelivered and is refunded once', async () => {
    const { creds } = await t.customer(100);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989991234567', text: 'will fail' });
    expect(sent.status).toBe(202);
    const message = await finalOf(creds, sent.body.messages[0].id);
    expect(message.status).toBe('undelivered');
    expect(message.events.map((e: { status: string }) => e.status)).toEqual(['accepted', 'queued', 'submitted', 'undelivered']);
    expect(await ledgerRows(message.id)).toEqual([
      { kind: 'charge', amount: -5 },
      { kind: 'refund', amount: 5 },
    ]);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(100);
  });

  it('a long GSM text is billed and sent per part, and ends delivered once', async () => {
    const { creds } = await t.customer(100);
    const text = 'A'.repeat(400);
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234500', text });
    expect(sent.body.messages[0]).toMatchObject({ parts: 3, price: 15 });
    const message = await finalOf(creds, sent.body.messages[0].id);
    expect(message.status).toBe('delivered');
    const parts = t.gw.simulator!.received.filter((r) => r.destinationAddr === '989121234500');
    expect(parts).toHaveLength(3);
    expect(parts.map((p) => p.udh?.seq).sort()).toEqual([1, 2, 3]);
    expect(new Set(parts.map((p) => p.udh?.ref)).size).toBe(1);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(85);
  });
});

describe('money at accept', () => {
  it('a balance too low gives 402 and creates and charges nothing', async () => {
    const { creds } = await t.customer(4);
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'hi' });
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toEqual([]);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(4);
  });

  it('when the balance ran out after accept, the message ends rejected and is never charged', async () => {
    // Its own deployment: an edge process accepts while no worker runs; then a worker process charges.
    const edge = await startTestGateway({ env: { GATEWAY_ROLES: 'api' } });
    let workers: TestGateway | undefined;
    try {
      const { creds } = await edge.customer(5);
      const first = await edge.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'one' });
      const second = await edge.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234568', text: 'two' });
      expect([first.status, second.status]).toEqual([202, 202]);
      workers = await startTestGateway({ joinOf: edge, env: { GATEWAY_ROLES: 'workers', SIMULATOR: '0' } });
      const final = (id: string) =>
        eventually(async () => {
          const r = await edge.asApp(creds, 'GET', `/api/v1/messages/${id}`);
          return ['delivered', 'rejected'].includes(r.body.status) ? r.body : undefined;
        }, 15_000, `message ${id} final`);
      // Batches are charged concurrently, so either may be the one the balance still covers.
      const outcomes = [await final(first.body.messages[0].id), await final(second.body.messages[0].id)];
      const delivered = outcomes.filter((m) => m.status === 'delivered');
      const rejected = outcomes.filter((m) => m.status === 'rejected');
      expect(delivered).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatchObject({ errorCode: 'INSUFFICIENT_BALANCE' });
      const { rows } = await edge.gw.db.raw('SELECT kind FROM ledger WHERE message_id = ?', [rejected[0].id]);
      expect(rows).toEqual([]);
      expect((await edge.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(0);
    } finally {
      await workers?.stop();
      await edge.stop();
    }
  });
});

describe('bad requests', () => {
  let creds: AppCreds;
  beforeAll(async () => {
    creds = (await t.customer(1000)).creds;
  });

  const cases: Array<[string, () => Promise<ApiResponse>, number, string]> = [
    ['no text', () => t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567' }), 400, 'INVALID_REQUEST'],
    ['empty text', () => t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: '' }), 400, 'INVALID_REQUEST'],
    ['an invalid number', () => t.asApp(creds, 'POST', '/api/v1/messages', { to: '98-912-abc', text: 'x' }), 400, 'INVALID_NUMBER'],
    [
      'more numbers than the limit',
      () => t.asApp(creds, 'POST', '/api/v1/messages', { to: Array.from({ length: 1001 }, (_, i) => `98912${String(i).padStart(7, '0')}`), text: 'x' }),
      400,
      'TOO_MANY_RECIPIENTS',
    ],
    ['an unknown field', () => t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'x', colour: 'red' }), 400, 'INVALID_REQUEST'],
    ['wrong credentials', () => t.asApp({ ...creds, secret: 'sk_wrong' }, 'POST', '/api/v1/messages', { to: '989121234567', text: 'x' }), 401, 'UNAUTHENTICATED'],
    ['no credentials', () => request(t.base, 'POST', '/api/v1/messages', { body: { to: '989121234567', text: 'x' } }), 401, 'UNAUTHENTICATED'],
    [
      'malformed JSON',
      () => request(t.base, 'POST', '/api/v1/messages', { raw: '{"to": "98912', headers: { authorization: basicOf(creds), 'content-type': 'application/json' } }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'an oversized body',
      () => request(t.base, 'POST', '/api/v1/messages', { raw: JSON.stringify({ to: '989121234567', text: 'x'.repeat(300_000) }), headers: { authorization: basicOf(creds), 'content-type': 'application/json' } }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['a text with NUL', () => t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'a\u0000b' }), 400, 'INVALID_REQUEST'],
  ];

  it.each(cases)('%s gets the right status and JSON error body and creates nothing', async (_name, send, status, code) => {
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ error: { code, message: expect.any(String), details: r.body.error.details } });
    expect(r.body.error).toHaveProperty('details');
    expect((await t.asApp(creds, 'GET', '/api/v1/messages')).body.items).toEqual([]);
    expect((await t.asApp(creds, 'GET', '/api/v1/balance')).body.balance).toBe(1000);
  });

  it('operator endpoints refuse app credentials and a wrong token', async () => {
    expect((await t.asApp(creds, 'POST', '/api/v1/accounts', { name: 'x' })).status).toBe(401);
    expect((await request(t.base, 'GET', '/api/v1/routes', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});

function basicOf(creds: AppCreds): string {
  return `Basic ${Buffer.from(`${creds.appId}:${creds.secret}`).toString('base64')}`;
}

describe('status callbacks', () => {
  let sink: Server;
  const received: Array<{ body: string; signature: string | undefined }> = [];

  beforeAll(async () => {
    sink = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-smsgw-signature'] as string | undefined });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => sink.close(() => r())));

  it('are POSTed once per final status, signed with the app secret', async () => {
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/cb`;
    const { creds } = await t.customer(100, { callbackUrl: url });
    const sent = await t.asApp(creds, 'POST', '/api/v1/messages', { to: '989121234567', text: 'cb', reference: 'ref-cb' });
    const id = sent.body.messages[0].id;
    const hit = await eventually(async () => received.find((r) => JSON.parse(r.body).id === id), 15_000, 'the callback');
    expect(JSON.parse(hit.body)).toMatchObject({ id, status: 'delivered', to: '989121234567', reference: 'ref-cb', at: expect.any(String) });
    expect(hit.signature).toBe(`sha256=${createHmac('sha256', creds.secret).update(hit.body).digest('hex')}`);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive within this window
    expect(received.filter((r) => JSON.parse(r.body).id === id)).toHaveLength(1);
  });
});
