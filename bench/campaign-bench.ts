/**
 * `npm run bench:campaign`: batches (campaigns) end to end and fairness,
 * in the production layout of `npm run bench` (simulator process, an edge
 * process and --workers workers processes, the simulator registered as
 * carrier "sim").
 *
 * 1. Throughput: one POST /api/v1/batches of --messages numbers; the time
 *    the 202 took, then GET /api/v1/batches/:id every 250 ms until every
 *    message is final: when the last message was created (expansion rate)
 *    and when the last became final (completed/s over the whole batch).
 * 2. Fairness: the carrier is capped at --fair-tps; account A posts a batch
 *    of --fair-batch numbers; once it is in flight (--fair-start submitted),
 *    account B sends --express express messages, one every --express-gap-ms:
 *    POST -> the simulator's receipt of the submit_sm (it prints the arrival
 *    of B's numbers), p50 / max, as the issue and the CI test measure it;
 *    and POST -> the `submitted` event (written after the carrier's answer
 *    and the group commit), split at `queued`.
 *   npm run bench:campaign -- --messages 100000 --fair-batch 20000 --fair-tps 500
 */
import { parseArgs } from 'node:util';
import { KeepAliveClient } from './drivers/http-client';
import { writeResult } from './lib';
import { startSimulator } from './processes';
import { loadAverage } from './run-channel';
import { startSmsgw, type AppCredentials, type SmsgwStack } from './smsgw-stack';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '1' },
    'fair-batch': { type: 'string', default: '20000' },
    'fair-tps': { type: 'string', default: '500' },
    'fair-start': { type: 'string', default: '1000' },
    express: { type: 'string', default: '20' },
    'express-gap-ms': { type: 'string', default: '250' },
  },
});
const messages = Number(values.messages);
const workers = Number(values.workers);
const fairBatch = Number(values['fair-batch']);
const fairTps = Number(values['fair-tps']);
const expressCount = Number(values.express);

interface Progress {
  readonly state: string;
  readonly total: number;
  readonly created: number;
  readonly delivered: number;
  readonly submitted: number;
  readonly undelivered: number;
  readonly expired: number;
  readonly failed: number;
  readonly rejected: number;
}

const finalCount = (p: Progress) => p.delivered + p.undelivered + p.expired + p.failed + p.rejected;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class AppClient {
  private readonly client = new KeepAliveClient(4);
  private readonly auth: string;

  constructor(
    private readonly base: string,
    creds: AppCredentials,
  ) {
    this.auth = `Basic ${Buffer.from(`${creds.appId}:${creds.secret}`).toString('base64')}`;
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const r = await this.client.send(method, `${this.base}${path}`, { authorization: this.auth, 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as T;
  }

  close(): void {
    this.client.close();
  }
}

const numbers = (count: number, base: number) => Array.from({ length: count }, (_, i) => String(base + i));

async function waitFinal(app: AppClient, batchId: string, total: number, timeoutMs: number): Promise<{ createdAt: number; finalAt: number; last: Progress }> {
  let createdAt = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await app.call<Progress>('GET', `/api/v1/batches/${batchId}`);
    if (!createdAt && p.created >= total) createdAt = Date.now();
    if (finalCount(p) >= total) return { createdAt: createdAt || Date.now(), finalAt: Date.now(), last: p };
    if (Date.now() > deadline) throw new Error(`batch ${batchId} not final in time: ${JSON.stringify(p)}`);
    await sleep(250);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function throughput(stack: SmsgwStack): Promise<Record<string, number | string>> {
  const app = new AppClient(stack.base, stack.httpApp);
  try {
    const load = loadAverage();
    const started = Date.now();
    const answer = await app.call<{ batchId: string; accepted: number }>('POST', '/api/v1/batches', { to: numbers(messages, 989100000000), text: 'campaign bench' });
    const answeredMs = Date.now() - started;
    const { createdAt, finalAt, last } = await waitFinal(app, answer.batchId, answer.accepted, 30 * 60_000);
    return {
      messages: answer.accepted,
      loadBefore: load,
      loadAfter: loadAverage(),
      answerMs: answeredMs,
      expandedPerSecond: Math.round(answer.accepted / ((createdAt - started) / 1000)),
      completedPerSecond: Math.round(answer.accepted / ((finalAt - started) / 1000)),
      delivered: last.delivered,
    };
  } finally {
    app.close();
  }
}

interface MessageView {
  readonly createdAt: string;
  readonly events: ReadonlyArray<{ status: string; at: string }>;
}

/** B's express numbers; the simulator reports when submits to this prefix arrive. */
const EXPRESS_PREFIX = '9893';

async function fairness(stack: SmsgwStack, arrivals: ReadonlyMap<string, number>): Promise<Record<string, number | string>> {
  const carriers = (await stack.admin('GET', '/api/v1/carriers')) as { items: Array<{ id: string; name: string }> };
  const sim = carriers.items.find((c) => c.name === 'sim')!;
  await stack.admin('PATCH', `/api/v1/carriers/${sim.id}`, { maxTps: fairTps });
  const accountB = await stack.admin('POST', '/api/v1/accounts', { name: 'bench-b' });
  await stack.admin('POST', `/api/v1/accounts/${String(accountB.id)}/credit`, { amount: 1_000_000 });
  const appB = await stack.admin('POST', `/api/v1/accounts/${String(accountB.id)}/apps`, { name: 'bench-b', throughputPerSecond: 1000 });
  const a = new AppClient(stack.base, stack.httpApp);
  const b = new AppClient(stack.base, { appId: String(appB.appId), secret: String(appB.secret), smppSystemId: '', smppPassword: '' });
  try {
    const load = loadAverage();
    const aStarted = Date.now();
    const batch = await a.call<{ batchId: string; accepted: number }>('POST', '/api/v1/batches', { to: numbers(fairBatch, 989200000000), text: 'campaign A' });
    for (;;) {
      const p = await a.call<Progress>('GET', `/api/v1/batches/${batch.batchId}`);
      if (p.submitted + finalCount(p) >= Number(values['fair-start'])) break;
      await sleep(100);
    }
    const sent: Array<{ id: string; to: string; at: number }> = [];
    for (let i = 0; i < expressCount; i++) {
      const at = Date.now();
      const to = `${EXPRESS_PREFIX}${String(i).padStart(8, '0')}`;
      const r = await b.call<{ messages: Array<{ id: string }> }>('POST', '/api/v1/messages', { to, text: 'login code 1234', priority: 'express' });
      sent.push({ id: r.messages[0]!.id, to, at });
      await sleep(Number(values['express-gap-ms']));
    }
    const latencies: number[] = [];
    const toCarrier: number[] = [];
    // Where the time went: POST -> queued (accept, review and charge), queued -> submitted (dispatch).
    const toQueued: number[] = [];
    const toSubmitted: number[] = [];
    for (const s of sent) {
      for (;;) {
        const m = await b.call<MessageView>('GET', `/api/v1/messages/${s.id}`);
        const at = (status: string) => Date.parse(m.events.find((e) => e.status === status)?.at ?? '');
        if (!Number.isNaN(at('submitted')) && arrivals.has(s.to)) {
          toCarrier.push(arrivals.get(s.to)! - s.at);
          latencies.push(at('submitted') - s.at);
          toQueued.push(at('queued') - s.at);
          toSubmitted.push(at('submitted') - at('queued'));
          break;
        }
        await sleep(100);
      }
    }
    toQueued.sort((x, y) => x - y);
    toSubmitted.sort((x, y) => x - y);
    const midway = await a.call<Progress>('GET', `/api/v1/batches/${batch.batchId}`);
    const { finalAt, last } = await waitFinal(a, batch.batchId, batch.accepted, 10 * 60_000);
    latencies.sort((x, y) => x - y);
    toCarrier.sort((x, y) => x - y);
    return {
      fairBatch: batch.accepted,
      fairTps,
      loadBefore: load,
      loadAfter: loadAverage(),
      aNotYetFinalWhenBDone: batch.accepted - finalCount(midway),
      expressArrivalP50Ms: percentile(toCarrier, 50),
      expressArrivalMaxMs: toCarrier[toCarrier.length - 1] ?? NaN,
      expressP50Ms: percentile(latencies, 50),
      expressMaxMs: latencies[latencies.length - 1] ?? NaN,
      toQueuedP50Ms: percentile(toQueued, 50),
      toQueuedMaxMs: toQueued[toQueued.length - 1] ?? NaN,
      queuedToSubmittedP50Ms: percentile(toSubmitted, 50),
      queuedToSubmittedMaxMs: toSubmitted[toSubmitted.length - 1] ?? NaN,
      aDelivered: last.delivered,
      aPerSecond: Math.round(batch.accepted / ((finalAt - aStarted) / 1000)),
    };
  } finally {
    a.close();
    b.close();
  }
}

const simulator = await startSimulator({ submitDelayMs: 20, dlrDelayMs: 100, inboundWindow: 1_000, watchPrefix: EXPRESS_PREFIX });
const stack = await startSmsgw({ simulatorPort: simulator.port, workers, carrierBinds: 4, carrierWindow: 100, credit: 10 * (messages + fairBatch) + 1_000 });
try {
  const t = await throughput(stack);
  console.log(`batch of ${t.messages}: 202 in ${t.answerMs} ms; expanded ${t.expandedPerSecond}/s; completed ${t.completedPerSecond}/s; ${t.delivered} delivered; load ${t.loadBefore} -> ${t.loadAfter}`);
  const f = await fairness(stack, simulator.arrivals);
  console.log(
    `fairness: A's batch of ${f.fairBatch} on a ${f.fairTps}/s carrier; B's ${expressCount} express: POST -> at the carrier p50 ${f.expressArrivalP50Ms} ms, max ${f.expressArrivalMaxMs} ms; ` +
      `POST -> submitted recorded p50 ${f.expressP50Ms} ms, max ${f.expressMaxMs} ms ` +
      `(to queued p50 ${f.toQueuedP50Ms} / max ${f.toQueuedMaxMs} ms, queued -> submitted p50 ${f.queuedToSubmittedP50Ms} / max ${f.queuedToSubmittedMaxMs} ms) ` +
      `(${f.aNotYetFinalWhenBDone} of A's still not final then); A: ${f.aDelivered} delivered, ${f.aPerSecond}/s; load ${f.loadBefore} -> ${f.loadAfter}`,
  );
  writeResult('campaign', { messages, workers, throughput: t, fairness: f });
} finally {
  await stack.stop();
  await simulator.stop();
}
