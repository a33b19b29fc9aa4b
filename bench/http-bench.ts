/**
 * `npm run bench:http`: N messages over HTTP (keep-alive, concurrency C) through
 * the whole pipeline to the built-in simulator. Prints accepted/s,
 * end-to-end completed/s (every message final), p50/p99 accept latency, and
 * per gateway process CPU seconds per 1,000 messages and peak RSS.
 * `--topology split` (default, `npm start`'s layout) runs an edge process
 * (api,smpp) and a workers process (workers and the simulator); `--topology
 * single` runs every role in one process.
 *   npm run bench:http -- --messages 20000 --concurrency 64 --topology split
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuSeconds, peakRssMiB, percentile, startGatewayProcess, writeResult, type BenchGateway } from './lib';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    topology: { type: 'string', default: 'split' },
  },
});
const total = Number(values.messages);
const concurrency = Number(values.concurrency);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const split = values.topology === 'split';
const queuePrefix = `bench${randomBytes(3).toString('hex')}`;
const back = split ? await startGatewayProcess({ GATEWAY_ROLES: 'workers', QUEUE_PREFIX: queuePrefix, HTTP_PORT: String(await freePort()) }) : undefined;
const gw = await startGatewayProcess({
  HTTP_PORT: String(await freePort()),
  QUEUE_PREFIX: queuePrefix,
  ...(back ? { GATEWAY_ROLES: 'api,smpp', SIMULATOR: '0', DATABASE_URL: back.databaseUrl } : {}),
});
const processes: Array<[string, BenchGateway]> = back ? [['edge', gw], ['workers', back]] : [['single', gw]];
try {
  const admin = { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' };
  const account = (await (await fetch(`${gw.base}/api/v1/accounts`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench' }) })).json()) as { id: string };
  await fetch(`${gw.base}/api/v1/accounts/${account.id}/credit`, { method: 'POST', headers: admin, body: JSON.stringify({ amount: total * 100 }) });
  const app = (await (
    await fetch(`${gw.base}/api/v1/accounts/${account.id}/apps`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench', throughputPerSecond: 100_000 }) })
  ).json()) as { appId: string; secret: string };
  const auth = `Basic ${Buffer.from(`${app.appId}:${app.secret}`).toString('base64')}`;

  const db = new pg.Client({ connectionString: (back ?? gw).databaseUrl });
  await db.connect();

  const cpuBefore = processes.map(([, p]) => cpuSeconds(p.child.pid!));
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        const r = await fetch(`${gw.base}/api/v1/messages`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ to: `98912${String(i).padStart(7, '0')}`, text: `bench message ${i}` }),
        });
        await r.arrayBuffer();
        if (r.status === 202) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  const acceptSeconds = (performance.now() - started) / 1000;

  let done = 0;
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM messages WHERE status IN ('delivered','undelivered','expired','failed','rejected')`);
    done = rows[0].n;
    if (done >= total - failures) break;
    if ((performance.now() - started) / 1000 > acceptSeconds + 300) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const e2eSeconds = (performance.now() - started) / 1000;
  const perProcess = Object.fromEntries(
    processes.map(([name, p], i) => [
      name,
      {
        cpuSecondsPer1000: +(((cpuSeconds(p.child.pid!) - cpuBefore[i]!) * 1000) / total).toFixed(3),
        peakRssMiB: peakRssMiB(p.child.pid!),
      },
    ]),
  );
  const { rows: byStatus } = await db.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status`);
  await db.end();

  latencies.sort((a, b) => a - b);
  const result = {
    command: `npm run bench:http -- --messages ${total} --concurrency ${concurrency} --topology ${values.topology}`,
    messages: total,
    concurrency,
    failures,
    acceptedPerSecond: Math.round((total - failures) / acceptSeconds),
    completedPerSecond: Math.round(done / e2eSeconds),
    acceptLatencyMs: { p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
    finalStatuses: Object.fromEntries(byStatus.map((r: { status: string; n: number }) => [r.status, r.n])),
    perProcess,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${writeResult('http', result)}`);
} finally {
  await gw.stop();
  await back?.stop();
}
