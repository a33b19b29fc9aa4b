/**
 * Real process outages: the gateway (api, smpp and workers in one process)
 * runs against a private redis-server and a private PostgreSQL cluster
 * (test/helpers/private-services.ts), and the test stops those processes
 * for real and starts them again on the same ports:
 *
 * - Redis is SIGKILLed while a burst of acknowledged messages is still in
 *   the pipeline, and comes back *empty* (no persistence): every job, the
 *   validity sweep's schedule, the carrier-id map and the throughput keys
 *   are gone. The gateway notices the loss (workers/queue-loss-watch.ts)
 *   and re-enqueues from PostgreSQL what was waiting for review or dispatch.
 * - PostgreSQL is stopped with `pg_ctl stop -m immediate` (backends killed,
 *   crash recovery at the next start) while a burst is in flight.
 *
 * While a peer is down: HTTP 503 QUEUE_UNAVAILABLE and SMPP ESME_RMSGQFUL
 * within 1 s, /healthz 200, /readyz 503, the process stays up. Once it is
 * back: ready, both channels accept within seconds, and every message
 * acknowledged before the outage (and after) ends delivered, charged once.
 *
 * Known limit, kept out of this test on purpose and documented in
 * docs/security.md: a receipt the carrier handed over in the last moments
 * before a non-persistent Redis died (its dlr job acknowledged, not yet
 * reconciled) is gone, and its message stays `submitted`. The bursts' carrier
 * here sends receipts 5 s after a submit, and the test checks that Redis dies
 * before the first of them can have been sent, so none is in that window.
 * Receipts that arrive while Redis is down are refused and retried by the
 * carrier, as real SMSCs do, and are reconciled once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_STATUS } from '../../../src/smpp/codec';
import { addSimCarrier, allFinal, bound, FAST_CARRIERS, numbers, putRoutes, send, statuses, type SimCarrier } from '../../helpers/carriers';
import { boundEsme, type Esme } from '../../helpers/esme-client';
import { eventually, request, startTestGateway, type AppCreds, type TestGateway } from '../../helpers/gateway';
import { PrivatePostgres, PrivateRedis } from '../../helpers/private-services';

let redis: PrivateRedis;
let pg: PrivatePostgres;
let t: TestGateway;
let creds: AppCreds;
let accountId: string;
let esme: Esme | undefined;
let slow: SimCarrier;

/** The bursts' carrier sends each receipt this long after the submit (see the file comment). */
const RECEIPT_DELAY_MS = 5_000;

beforeAll(async () => {
  [redis, pg] = await Promise.all([PrivateRedis.start(), PrivatePostgres.start()]);
  t = await startTestGateway({
    ...FAST_CARRIERS,
    simulatorOptions: { dlrDelayMs: 1_500, receiptRetryDelayMs: 300 },
    queueLossCheckMs: 250,
    env: { WORKER_STALLED_MS: '2000', REDIS_URL: redis.url, DATABASE_URL: `${pg.serverUrl}/smsgw_outages` },
    smpp: { acceptTimeoutMs: 900 },
  });
  ({ creds, accountId } = await t.customer(10_000_000));
  // The bursts' route goes to a carrier capped at 150 submits/s, so an outage finds most of a
  // burst still queued (even on a loaded machine where sending the burst takes seconds), its
  // dispatch jobs (delayed, waiting for TPS permits) only in Redis.
  slow = await addSimCarrier(t, 'slow', { sim: { dlrDelayMs: RECEIPT_DELAY_MS, receiptRetryDelayMs: 300 }, carrier: { maxTps: 150 } });
  await bound(slow, 2);
  await putRoutes(t, [
    { prefix: '', carriers: ['simulator'], price: 5 },
    { prefix: '98914', carriers: ['slow'], price: 5 },
    { prefix: '98915', carriers: ['slow'], price: 5 },
  ]);
}, 90_000);

afterAll(async () => {
  esme?.close();
  // Whatever a failed test left down comes back first, so the gateway can stop cleanly; the
  // private servers are stopped and removed in any case.
  try {
    await redis?.up().catch(() => undefined);
    await pg?.up().catch(() => undefined);
    await Promise.race([t?.stop(), new Promise((r) => setTimeout(r, 20_000))]);
    await slow?.sim.stop();
  } finally {
    await Promise.all([redis?.stop(), pg?.stop()]);
  }
}, 60_000);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

const post = (to: string, text: string) => t.asApp(creds, 'POST', '/api/v1/messages', { to, text });

/** A bound SMPP client; binds again when the previous one was dropped. */
async function client(): Promise<Esme> {
  if (!esme || esme.closed) esme = await boundEsme(t.smppPort, creds);
  return esme;
}

async function submitSm(to: string, text: string): Promise<{ command_status: number; message_id?: string }> {
  const c = await client();
  return c.request('submit_sm', { destination_addr: to, short_message: Buffer.from(text), registered_delivery: 0 }) as Promise<{
    command_status: number;
    message_id?: string;
  }>;
}

/** What a client sees while the peer is down: fast refusals on both channels, /readyz 503, /healthz 200. */
async function expectRefusedFast(label: string): Promise<void> {
  const http = await timed(() => post('989121230000', `during ${label} outage`));
  expect(http.value.status).toBe(503);
  expect(http.value.body.error.code).toBe('QUEUE_UNAVAILABLE');
  expect(http.ms).toBeLessThan(1_000);

  const smpp = await timed(() => submitSm('989121230001', `during ${label} outage`));
  expect(smpp.value.command_status).toBe(COMMAND_STATUS.ESME_RMSGQFUL);
  expect(smpp.ms).toBeLessThan(1_000);

  expect((await request(t.base, 'GET', '/readyz')).status).toBe(503);
  expect((await request(t.base, 'GET', '/healthz')).status).toBe(200);
}

/** Keeps the peer down for `ms`, every refusal still fast. */
async function downFor(ms: number, label: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) await expectRefusedFast(label);
}

/** After the peer is back: ready, and both channels accept again; returns the new messages' ids and how long it took. */
async function expectServiceBack(label: string): Promise<{ ids: string[]; ms: number }> {
  const started = Date.now();
  await eventually(async () => ((await request(t.base, 'GET', '/readyz')).status === 200 ? true : undefined), 10_000, '/readyz 200');
  const viaHttp = await eventually(async () => {
    const r = await post('989121230002', `after ${label} outage`);
    return r.status === 202 ? (r.body.messages[0].id as string) : undefined;
  }, 10_000, 'an accepted HTTP submission');
  const viaSmpp = await eventually(async () => {
    const r = await submitSm('989121230003', `after ${label} outage`).catch(() => undefined);
    return r?.command_status === COMMAND_STATUS.ESME_ROK ? (r.message_id as string) : undefined;
  }, 10_000, 'an accepted submit_sm');
  return { ids: [viaHttp, viaSmpp], ms: Date.now() - started };
}

/** A burst acknowledged on both channels just before the outage: 1,000 over HTTP, 50 over SMPP. */
async function burst(prefix: string): Promise<string[]> {
  const viaHttp = await send(t, creds, numbers(prefix, 1_000), 'burst');
  const viaSmpp: string[] = [];
  for (const to of numbers(`${prefix}9`, 50)) {
    const r = await submitSm(to, 'burst');
    expect(r.command_status).toBe(COMMAND_STATUS.ESME_ROK);
    viaSmpp.push(r.message_id as string);
  }
  return [...viaHttp, ...viaSmpp];
}

/** Every message delivered, charged exactly once, never refunded; the ledger sums to the balance. */
async function expectAllDeliveredOnce(ids: readonly string[]): Promise<void> {
  const final = await allFinal(t, ids, 40_000);
  const counts = new Map<string, number>();
  for (const s of final.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  expect(Object.fromEntries(counts)).toEqual({ delivered: ids.length });
  const { rows } = await t.gw.db.raw(
    `SELECT kind, count(*)::int AS n, count(DISTINCT message_id)::int AS messages FROM ledger WHERE message_id = ANY(?::uuid[]) GROUP BY kind`,
    [[...ids]],
  );
  expect(rows).toEqual([{ kind: 'charge', n: ids.length, messages: ids.length }]);
  const { rows: sums } = await t.gw.db.raw(
    `SELECT a.balance::bigint AS balance, (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.account_id = a.id)::bigint AS ledger FROM accounts a WHERE a.id = ?`,
    [accountId],
  );
  expect(sums[0].balance).toBe(sums[0].ledger);
}

function tally(s: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of s.values()) out[v] = (out[v] ?? 0) + 1;
  return out;
}

describe('when the Redis process is killed and comes back empty', () => {
  it('refuses fast while it is down, serves again within seconds, and re-enqueues from PostgreSQL what the lost jobs carried', { timeout: 60_000 }, async () => {
    const burstStarted = Date.now();
    const inFlight = await burst('98914');
    await redis.kill();
    // No receipt of the burst can have reached the gateway yet (none was lost with Redis's memory).
    expect(Date.now() - burstStarted).toBeLessThan(RECEIPT_DELAY_MS);
    // Where the acknowledged burst stood when Redis died (PostgreSQL is up): the ones still
    // accepted or queued had their jobs only in the dead Redis.
    const atKill = tally(await statuses(t, inFlight));
    console.info(`redis killed; acknowledged burst by status: ${JSON.stringify(atKill)}`);
    expect((atKill.accepted ?? 0) + (atKill.queued ?? 0)).toBeGreaterThan(300);

    await expectRefusedFast('Redis');
    await downFor(2_000, 'Redis');
    await redis.up();
    const back = await expectServiceBack('Redis');
    console.info(`redis back: both channels accepting after ${back.ms} ms`);
    expect(back.ms).toBeLessThan(5_000);
    await expectAllDeliveredOnce([...inFlight, ...back.ids]);
  });
});

describe('when the PostgreSQL server is stopped (immediate) and started again', () => {
  it('refuses fast while it is down, serves again within seconds, and finishes every acknowledged message', { timeout: 60_000 }, async () => {
    const inFlight = await burst('98915');
    const atStop = tally(await statuses(t, inFlight));
    expect((atStop.accepted ?? 0) + (atStop.queued ?? 0)).toBeGreaterThan(300);
    await pg.down('immediate');
    console.info(`postgresql stopped; acknowledged burst by status just before: ${JSON.stringify(atStop)}`);

    await expectRefusedFast('PostgreSQL');
    await downFor(2_000, 'PostgreSQL');
    await pg.up();
    const back = await expectServiceBack('PostgreSQL');
    console.info(`postgresql back: both channels accepting after ${back.ms} ms`);
    expect(back.ms).toBeLessThan(5_000);
    await expectAllDeliveredOnce([...inFlight, ...back.ids]);
  });
});
