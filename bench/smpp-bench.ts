/**
 * `npm run bench:smpp`: SMPP ingress through the whole pipeline to the
 * built-in simulator, on a gateway child process with a fresh database.
 * A windowed load client (our SmppSession as an ESME: `--binds` transceiver
 * binds, `--window` outstanding submit_sm each) runs two phases:
 *   1. `--messages` submit_sm with registered_delivery as fast as the
 *      windows allow: submit_sm_resp/s, p50/p99 submit_sm_resp latency, and
 *      the time until every receipt (deliver_sm) is back at the client;
 *   2. `--rate` submit_sm/s offered for `--seconds`: p50/p99 latency there.
 * `--topology split` (default) runs an edge process (api,smpp) and a workers
 * process (workers + simulator) on one database, as DESIGN.md deploys them;
 * `--topology single` runs every role in one process.
 *   npm run bench:smpp -- --messages 50000 --binds 4 --window 100 --rate 2000 --seconds 15
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { SmppSession } from '../src/smpp/session';
import { percentile, startGatewayProcess, writeResult } from './lib';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    binds: { type: 'string', default: '4' },
    window: { type: 'string', default: '100' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    // split: an edge process (GATEWAY_ROLES=api,smpp) and a workers process (with the simulator), as DESIGN.md
    // deploys them; single: one process with every role; ingress: the edge alone (no workers, so no
    // receipts): the accept ceiling of the SMPP path when nothing else competes for the cores.
    topology: { type: 'string', default: 'split' },
  },
});
const total = Number(values.messages);
const bindCount = Number(values.binds);
const windowSize = Number(values.window);
const rate = Number(values.rate);
const paceSeconds = Number(values.seconds);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const smppPort = await freePort();
const split = values.topology === 'split';
const queuePrefix = `bench${randomBytes(3).toString('hex')}`;
const ingressOnly = values.topology === 'ingress';
const back = split ? await startGatewayProcess({ GATEWAY_ROLES: 'workers', QUEUE_PREFIX: queuePrefix, HTTP_PORT: String(await freePort()) }) : undefined;
const gw = await startGatewayProcess({
  SMPP_PORT: String(smppPort),
  HTTP_PORT: String(await freePort()),
  QUEUE_PREFIX: queuePrefix,
  ...(back ? { GATEWAY_ROLES: 'api,smpp', SIMULATOR: '0', DATABASE_URL: back.databaseUrl } : {}),
  ...(ingressOnly ? { GATEWAY_ROLES: 'api,smpp' } : {}),
});
const receipts = new Set<string>();
let receiptWaiter: (() => void) | undefined;
let receiptTarget = Infinity;

try {
  const admin = { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => (await fetch(`${gw.base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) })).json() as Promise<Record<string, string>>;
  const account = await post('/api/v1/accounts', { name: 'bench' });
  await post(`/api/v1/accounts/${account.id}/credit`, { amount: (total + rate * paceSeconds) * 100 });
  const app = await post(`/api/v1/accounts/${account.id}/apps`, { name: 'bench', throughputPerSecond: 100_000 });
  if (!app.smppSystemId) throw new Error(`app creation failed: ${JSON.stringify(app)}`);

  const sessions: SmppSession[] = [];
  for (let i = 0; i < bindCount; i++) {
    const socket = connect(smppPort, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const session = new SmppSession(socket, {
      windowSize,
      windowWaitMs: 60_000,
      responseTimeoutMs: 30_000,
      inboundWindowSize: 1_000,
      label: `bench#${i}`,
      onRequest: (pdu) => {
        if (pdu.command === 'deliver_sm') {
          receipts.add(String(pdu.fields.receipted_message_id));
          if (receipts.size >= receiptTarget) receiptWaiter?.();
        }
        return { fields: { message_id: '' } };
      },
    });
    await session.bind('transceiver', { system_id: app.smppSystemId, password: app.smppPassword });
    sessions.push(session);
  }

  let seq = 0;
  const submit = async (latencies: number[], ids: string[]): Promise<void> => {
    const i = seq++;
    const t0 = performance.now();
    const r = await sessions[i % sessions.length]!.request('submit_sm', {
      source_addr: 'BENCH',
      destination_addr: `98912${String(i % 10_000_000).padStart(7, '0')}`,
      short_message: Buffer.from(`bench message ${i}`),
      registered_delivery: 1,
    });
    if (r.commandStatus !== 0) throw new Error(`submit_sm answered 0x${r.commandStatus.toString(16)}`);
    latencies.push(performance.now() - t0);
    ids.push(String((r.fields as { message_id?: string }).message_id));
  };

  // Phase 1: as fast as the windows allow.
  const latencies: number[] = [];
  const ids: string[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: bindCount * windowSize }, async () => {
      while (next < total) {
        next++;
        await submit(latencies, ids);
      }
    }),
  );
  const submitSeconds = (performance.now() - started) / 1000;
  receiptTarget = ingressOnly ? 0 : ids.length;
  if (receipts.size < receiptTarget) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (receiptWaiter = resolve)), new Promise((r) => (timer = setTimeout(r, 600_000)))]);
    clearTimeout(timer);
  }
  const receiptSeconds = (performance.now() - started) / 1000;
  const missing = ingressOnly ? null : ids.filter((id) => !receipts.has(id)).length;

  // Phase 2: a steady offered rate, for the latency figure.
  const paced: number[] = [];
  const pacedIds: string[] = [];
  const paceTotal = rate * paceSeconds;
  const paceStart = performance.now();
  const inflight: Array<Promise<void>> = [];
  let sent = 0;
  while (sent < paceTotal) {
    const due = Math.min(paceTotal, Math.floor(((performance.now() - paceStart) / 1000) * rate));
    for (; sent < due; sent++) inflight.push(submit(paced, pacedIds));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  const paceSecondsActual = (performance.now() - paceStart) / 1000;

  latencies.sort((a, b) => a - b);
  paced.sort((a, b) => a - b);
  const round = (n: number) => +n.toFixed(2);
  const result = {
    command: `npm run bench:smpp -- --messages ${total} --binds ${bindCount} --window ${windowSize} --rate ${rate} --seconds ${paceSeconds} --topology ${values.topology}`,
    messages: total,
    binds: bindCount,
    window: windowSize,
    submitSmRespPerSecond: Math.round(ids.length / submitSeconds),
    submitLatencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
    secondsUntilEveryReceipt: ingressOnly ? null : round(receiptSeconds),
    receiptsMissing: missing,
    paced: {
      offeredPerSecond: rate,
      achievedPerSecond: Math.round(paced.length / paceSecondsActual),
      submitLatencyMs: { p50: round(percentile(paced, 50)), p99: round(percentile(paced, 99)) },
    },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${writeResult('smpp', result)}`);
  await Promise.all(sessions.map((s) => s.unbind()));
} finally {
  await gw.stop();
  await back?.stop();
}
