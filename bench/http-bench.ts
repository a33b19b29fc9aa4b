/**
 * `npm run bench`: N messages over HTTP (keep-alive, concurrency C) through
 * the whole pipeline to the built-in simulator. Prints accepted/s,
 * end-to-end completed/s (every message final) and p50/p99 accept latency.
 *   npm run bench -- --messages 20000 --concurrency 64
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { percentile, startGatewayProcess, writeResult } from './lib';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const total = Number(values.messages);
const concurrency = Number(values.concurrency);

const gw = await startGatewayProcess({});
try {
  const admin = { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' };
  const account = (await (await fetch(`${gw.base}/api/v1/accounts`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench' }) })).json()) as { id: string };
  await fetch(`${gw.base}/api/v1/accounts/${account.id}/credit`, { method: 'POST', headers: admin, body: JSON.stringify({ amount: total * 100 }) });
  const app = (await (
    await fetch(`${gw.base}/api/v1/accounts/${account.id}/apps`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench', throughputPerSecond: 100_000 }) })
  ).json()) as { appId: string; secret: string };
  const auth = `Basic ${Buffer.from(`${app.appId}:${app.secret}`).toString('base64')}`;

  const db = new pg.Client({ connectionString: gw.databaseUrl });
  await db.connect();

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
  const { rows: byStatus } = await db.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status`);
  await db.end();

  latencies.sort((a, b) => a - b);
  const result = {
    messages: total,
    concurrency,
    failures,
    acceptedPerSecond: Math.round((total - failures) / acceptSeconds),
    completedPerSecond: Math.round(done / e2eSeconds),
    acceptLatencyMs: { p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
    finalStatuses: Object.fromEntries(byStatus.map((r: { status: string; n: number }) => [r.status, r.n])),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${writeResult('http', result)}`);
} finally {
  await gw.stop();
}
