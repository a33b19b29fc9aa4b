/**
 * Outages of the gateway's peers, on a whole gateway (api, smpp and workers
 * in one process) that reaches Redis and PostgreSQL through TCP proxies the
 * tests cut (a stopped server: connections reset, new ones refused):
 *
 * - Redis or PostgreSQL away: HTTP answers 503 QUEUE_UNAVAILABLE and SMPP
 *   ESME_RMSGQFUL within 1 s, /readyz says 503, the process keeps serving,
 *   and once the peer is back the workers pick up what was in flight and new
 *   submissions are delivered within seconds;
 * - a carrier that keeps its binds but never answers: its submits time out,
 *   its breaker opens and the traffic fails over to the backup;
 * - every carrier of a route down: messages wait queued and end expired and
 *   refunded at their validity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { addSimCarrier, allFinal, bound, breakerGauge, FAST_CARRIERS, numbers, putRoutes, send, statuses, type SimCarrier } from '../../helpers/carriers';
import { createTestDatabase } from '../../helpers/db';
import { boundEsme, type Esme } from '../../helpers/esme-client';
import { eventually, request, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { TcpProxy } from '../../helpers/tcp-proxy';

let t: TestGateway;
let redisProxy: TcpProxy;
let pgProxy: TcpProxy;
let database: { url: string; drop: () => Promise<void> };
let creds: AppCreds;
let accountId: string;
let esme: Esme;
let mute: SimCarrier;
let backup: SimCarrier;

beforeAll(async () => {
  redisProxy = await TcpProxy.start(6379);
  pgProxy = await TcpProxy.start(5432);
  database = await createTestDatabase();
  const viaProxy = new URL(database.url);
  viaProxy.port = String(pgProxy.port);
  t = await startTestGateway({
    ...FAST_CARRIERS,
    // A breaker that stays open long enough for the test to see it (FAST_CARRIERS: 300 ms).
    carriers: { ...FAST_CARRIERS.carriers, responseTimeoutMs: 500, breaker: { consecutiveFailures: 5, resetTimeoutMs: 5_000 } },
    // A job whose worker lost its Redis connection mid-fetch is retried within ~4 s (default 30 s).
    env: { WORKER_STALLED_MS: '2000', REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, DATABASE_URL: viaProxy.toString() },
    smpp: { acceptTimeoutMs: 900 },
  });
  ({ creds, accountId } = await t.customer(1_000_000));
  esme = await boundEsme(t.smppPort, creds);
  mute = await addSimCarrier(t, 'mute');
  backup = await addSimCarrier(t, 'backup');
  await bound(mute, 2);
  await bound(backup, 2);
  await putRoutes(t, [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '45', carriers: ['mute', 'backup'], price: 5 },
  ]);
});

afterAll(async () => {
  esme?.close();
  redisProxy?.restore();
  pgProxy?.restore();
  await t?.stop();
  await mute?.sim.stop();
  await backup?.sim.stop();
  await redisProxy?.stop();
  await pgProxy?.stop();
  await database?.drop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

const post = (to: string, text: string) => t.asApp(creds, 'POST', '/api/v1/messages', { to, text });
const submitSm = (to: string, text: string) => esme.request('submit_sm', { destination_addr: to, short_message: Buffer.from(text) });

/** What a client sees while a peer is away: fast refusals on both channels, a live process, /readyz 503. */
async function expectRefusedFast(label: string): Promise<void> {
  const http = await timed(() => post('989121230000', `during ${label} outage`));
  expect(http.value.status).toBe(503);
  expect(http.value.body.error.code).toBe('QUEUE_UNAVAILABLE');
  expect(http.ms).toBeLessThan(1_000);

  const smpp = await timed(() => submitSm('989121230001', `during ${label} outage`));
  expect(smpp.value.command_status).toBe(COMMAND_STATUS.ESME_RMSGQFUL);
  expect(smpp.ms).toBeLessThan(1_000);

  const ready = await timed(() => request(t.base, 'GET', '/readyz'));
  expect(ready.value.status).toBe(503);
  expect(ready.ms).toBeLessThan(1_500);
  expect((await request(t.base, 'GET', '/healthz')).status).toBe(200);
}

/** Keeps the peer away for `ms`, checking all along that the gateway says it is not ready. */
async function outageFor(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) expect((await request(t.base, 'GET', '/readyz')).status).toBe(503);
}

/** After the peer is back: ready again, and new messages on both channels delivered within seconds. */
async function expectServiceBack(label: string): Promise<string[]> {
  await eventually(async () => ((await request(t.base, 'GET', '/readyz')).status === 200 ? true : undefined), 10_000, '/readyz to answer 200');
  const viaHttp = await eventually(async () => {
    const r = await post('989121230002', `after ${label} outage`);
    return r.status === 202 ? (r.body.messages[0].id as string) : undefined;
  }, 10_000, 'an accepted HTTP submission');
  const viaSmpp = await eventually(async () => {
    const r = await submitSm('989121230003', `after ${label} outage`);
    return r.command_status === COMMAND_STATUS.ESME_ROK ? (r.message_id as string) : undefined;
  }, 10_000, 'an accepted submit_sm');
  return [viaHttp, viaSmpp];
}

describe('when Redis becomes unreachable', () => {
  it('HTTP answers 503 and SMPP ESME_RMSGQFUL within 1 s, and after it is back what was in flight and new messages are delivered', async () => {
    const inFlight = await send(t, creds, numbers('98912', 200));
    redisProxy.cut();
    await expectRefusedFast('Redis');
    await outageFor(2_000);
    redisProxy.restore();
    const after = await expectServiceBack('Redis');
    const final = await allFinal(t, [...inFlight, ...after], 20_000);
    expect([...final.values()].every((s) => s === 'delivered')).toBe(true);
  });
});

describe('when PostgreSQL becomes unreachable', () => {
  it('HTTP answers 503 and SMPP ESME_RMSGQFUL within 1 s, and after it is back what was in flight and new messages are delivered', async () => {
    const inFlight = await send(t, creds, numbers('98913', 200));
    pgProxy.cut();
    await expectRefusedFast('PostgreSQL');
    await outageFor(2_000);
    pgProxy.restore();
    const after = await expectServiceBack('PostgreSQL');
    const final = await allFinal(t, [...inFlight, ...after], 20_000);
    expect([...final.values()].every((s) => s === 'delivered')).toBe(true);
  });
});

describe('a carrier that keeps its binds but never answers', () => {
  it('times out, opens its breaker, and its traffic fails over to the backup, each message charged once', async () => {
    mute.sim.setBehaviour('silent');
    const backupMark = backup.accepted().length;
    const ids = await send(t, creds, numbers('4570', 20));
    await eventually(async () => ((await breakerGauge(t, 'mute')) === 2 ? true : undefined), 10_000, 'the mute carrier breaker to open');
    const final = await allFinal(t, ids, 20_000);
    expect([...final.values()].every((s) => s === 'delivered')).toBe(true);
    const onBackup = new Set(backup.accepted().slice(backupMark).map((s) => s.destinationAddr));
    expect(onBackup.size).toBe(20);
    // The silent carrier never answered: nothing it got was acknowledged.
    expect(mute.accepted()).toEqual([]);
    const { rows } = await t.gw.db.raw(
      `SELECT kind, count(*)::int AS n, count(DISTINCT message_id)::int AS messages FROM ledger WHERE message_id = ANY(?::uuid[]) GROUP BY kind`,
      [ids],
    );
    expect(rows).toEqual([{ kind: 'charge', n: 20, messages: 20 }]);
    mute.sim.setBehaviour('normal');
  });
});

describe('every carrier of a route down', () => {
  it('messages wait queued, then end expired and refunded once at their validity, and the ledger still sums to the balance', async () => {
    mute.sim.setBehaviour('down');
    backup.sim.setBehaviour('down');
    await eventually(async () => (mute.sim.boundSessions + backup.sim.boundSessions === 0 ? true : undefined), 5_000, 'both carriers to drop our binds');
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: numbers('4571', 5), text: 'nobody home', validity: 60 });
    expect(r.status).toBe(202);
    const ids = r.body.messages.map((m: { id: string }) => m.id) as string[];
    await eventually(async () => ([...(await statuses(t, ids)).values()].every((s) => s === 'queued') ? true : undefined), 5_000, 'the messages to be charged');
    // They wait while the carriers are down, until their validity ends (fast-forwarded in the database: 60 s is the API's minimum).
    await t.gw.db.raw(`UPDATE messages SET valid_until = now() WHERE id = ANY(?::uuid[])`, [ids]);
    const final = await allFinal(t, ids, 5_000);
    expect([...final.values()].every((s) => s === 'expired')).toBe(true);
    const { rows } = await t.gw.db.raw(`SELECT kind, count(*)::int AS n FROM ledger WHERE message_id = ANY(?::uuid[]) GROUP BY kind ORDER BY kind`, [ids]);
    expect(rows).toEqual([{ kind: 'charge', n: 5 }, { kind: 'refund', n: 5 }]);
    const { rows: sums } = await t.gw.db.raw(`SELECT a.balance::bigint AS balance, (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.account_id = a.id)::bigint AS ledger FROM accounts a WHERE a.id = ?`, [accountId]);
    expect(sums[0].balance).toBe(sums[0].ledger);
    mute.sim.setBehaviour('normal');
    backup.sim.setBehaviour('normal');
  });
});
