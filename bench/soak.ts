/**
 * `npm run bench:soak`: a long run at a steady offered rate, to see whether
 * memory stays flat once warm (issue 6). Not a test: it prints a table and
 * writes bench/results/soak-*.json for docs/benchmarks.md.
 *
 * Layout: `npm start`'s split layout, an edge process (api,smpp) and a
 * workers process (workers and the built-in simulator as the carrier), on
 * the PostgreSQL of BENCH_DATABASE_SERVER (a fresh database) and a private
 * redis-server on a free port (no persistence), so that Redis's
 * `used_memory` is this run's alone.
 *
 * Traffic: HTTP POST /api/v1/messages on a fixed schedule (open loop: the
 * offered rate does not slow down when the gateway does), `--batch` numbers
 * per request, at most `--max-in-flight` requests outstanding; `lag` is
 * how many messages the schedule is behind when a sample is taken (0 when
 * the gateway keeps up with the offered rate).
 *
 * Every `--sample-s` seconds: per process RSS (/proc) and V8 heap in use
 * (smsgw_nodejs_heap_size_used_bytes from its /metrics), Redis
 * used_memory and key count, messages offered / accepted / final.
 * Verdict "no growth once warm": after the first `--warm-fraction` of the
 * messages, the least-squares slope of each series, in MiB per 100,000
 * messages, and the median of the last quarter minus the median of the first
 * warm quarter.
 *
 *   npm run bench:soak -- --messages 500000 --rate 500
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGatewayProcess, writeResult, type BenchGateway } from './lib';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '500000' },
    rate: { type: 'string', default: '500' },
    batch: { type: 'string', default: '1' },
    'sample-s': { type: 'string', default: '5' },
    'max-in-flight': { type: 'string', default: '256' },
    'warm-fraction': { type: 'string', default: '0.2' },
  },
});
const total = Number(values.messages);
const rate = Number(values.rate);
const batch = Math.max(1, Math.min(1000, Number(values.batch)));
const sampleMs = Number(values['sample-s']) * 1000;
const maxInFlight = Number(values['max-in-flight']);
const warmFraction = Number(values['warm-fraction']);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// --- a private Redis ---------------------------------------------------------
const redisPort = await freePort();
const redisDir = mkdtempSync(join(tmpdir(), 'smsgw-soak-redis-'));
const redis: ChildProcess = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, '--maxmemory-policy', 'noeviction'],
  { stdio: 'ignore' },
);
const redisCli = (...args: string[]): string => execFileSync('redis-cli', ['-p', String(redisPort), ...args], { encoding: 'utf8' });
for (let i = 0; ; i++) {
  try {
    if (redisCli('ping').trim() === 'PONG') break;
  } catch {
    /* not up yet */
  }
  if (i > 100) throw new Error('private redis did not start');
  await new Promise((r) => setTimeout(r, 100));
}
function redisMemory(): { usedMiB: number; keys: number } {
  const used = /used_memory:(\d+)/.exec(redisCli('info', 'memory'));
  return { usedMiB: used ? +(Number(used[1]) / 1048576).toFixed(1) : NaN, keys: Number(redisCli('dbsize').trim()) };
}

// --- the gateway, split layout ----------------------------------------------
const queuePrefix = `soak${randomBytes(3).toString('hex')}`;
const common = { QUEUE_PREFIX: queuePrefix, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
const workersPort = await freePort();
const back = await startGatewayProcess({ ...common, GATEWAY_ROLES: 'workers', HTTP_PORT: String(workersPort) });
const edge = await startGatewayProcess({ ...common, GATEWAY_ROLES: 'api,smpp', SIMULATOR: '0', DATABASE_URL: back.databaseUrl, HTTP_PORT: String(await freePort()) });
const processes: Array<[string, BenchGateway]> = [
  ['edge', edge],
  ['workers', back],
];

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

async function scrape(base: string): Promise<string> {
  const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return r.text();
}

function metricValue(text: string, name: string): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
  }
  return found ? sum : NaN;
}

interface Sample {
  t: number;
  offered: number;
  accepted: number;
  final: number;
  lag: number;
  inFlight: number;
  failures: number;
  edgeRssMiB: number;
  edgeHeapMiB: number;
  workersRssMiB: number;
  workersHeapMiB: number;
  redisUsedMiB: number;
  redisKeys: number;
}

let offered = 0;
let accepted = 0;
let failures = 0;
let inFlight = 0;
const samples: Sample[] = [];
let started = performance.now();

async function cleanUp(): Promise<void> {
  // stop() waits for the child's exit event, which never comes for a child already gone: bounded.
  for (const [, p] of processes) await Promise.race([p.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 15_000))]);
  redis.kill('SIGTERM');
  rmSync(redisDir, { recursive: true, force: true });
}
// Ctrl-C stops the gateway processes and Redis and drops the database too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function sample(): Promise<Sample> {
  const [edgeMetrics, workersMetrics] = await Promise.all([scrape(edge.base), scrape(back.base)]);
  // prom-client's default metric; its name depends on the prefix the registry gives it.
  const heap = (text: string) => {
    const bytes = metricValue(text, 'smsgw_nodejs_heap_size_used_bytes');
    return +((Number.isNaN(bytes) ? metricValue(text, 'smsgw_process_nodejs_heap_size_used_bytes') : bytes) / 1048576).toFixed(1);
  };
  const r = redisMemory();
  const s: Sample = {
    t: Math.round((performance.now() - started) / 1000),
    offered,
    accepted,
    final: metricValue(workersMetrics, 'smsgw_messages_final_total') || 0,
    lag: Math.max(0, Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate)) - offered),
    inFlight,
    failures,
    edgeRssMiB: rssMiB(edge.child.pid!),
    edgeHeapMiB: heap(edgeMetrics),
    workersRssMiB: rssMiB(back.child.pid!),
    workersHeapMiB: heap(workersMetrics),
    redisUsedMiB: r.usedMiB,
    redisKeys: r.keys,
  };
  samples.push(s);
  const pad = (v: unknown, n: number) => String(v).padStart(n);
  if (samples.length === 1) {
    console.log('     t  offered accepted    final   lag  inf fail | edge rss heap | workers rss heap | redis MiB    keys');
  }
  console.log(
    `${pad(s.t, 6)} ${pad(s.offered, 8)} ${pad(s.accepted, 8)} ${pad(s.final, 8)} ${pad(s.lag, 5)} ${pad(s.inFlight, 4)} ${pad(s.failures, 4)} |   ${pad(s.edgeRssMiB, 4)} ${pad(s.edgeHeapMiB, 5)} |     ${pad(s.workersRssMiB, 4)} ${pad(s.workersHeapMiB, 5)} | ${pad(s.redisUsedMiB, 9)} ${pad(s.redisKeys, 7)}`,
  );
  return s;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

try {
  const admin = { authorization: `Bearer ${edge.adminToken}`, 'content-type': 'application/json' };
  const account = (await (await fetch(`${edge.base}/api/v1/accounts`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'soak' }) })).json()) as { id: string };
  await fetch(`${edge.base}/api/v1/accounts/${account.id}/credit`, { method: 'POST', headers: admin, body: JSON.stringify({ amount: total * 100 }) });
  const app = (await (
    await fetch(`${edge.base}/api/v1/accounts/${account.id}/apps`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'soak', throughputPerSecond: Math.max(1000, rate * 4) }),
    })
  ).json()) as { appId: string; secret: string };
  const auth = `Basic ${Buffer.from(`${app.appId}:${app.secret}`).toString('base64')}`;
  console.log(`soak: ${total} messages at ${rate}/s over HTTP (${batch} per request), split layout, redis on :${redisPort}`);

  const send = async (first: number, count: number) => {
    inFlight++;
    try {
      const to = Array.from({ length: count }, (_, k) => `98912${String(first + k).padStart(7, '0')}`);
      const r = await fetch(`${edge.base}/api/v1/messages`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ to: count === 1 ? to[0] : to, text: `soak message ${first}` }),
      });
      await r.arrayBuffer();
      if (r.status === 202) accepted += count;
      else failures += count;
    } catch {
      failures += count;
    } finally {
      inFlight--;
    }
  };

  started = performance.now();
  let nextSample = sampleMs;
  await sample();
  const pending = new Set<Promise<void>>();
  while (offered < total) {
    const elapsedMs = performance.now() - started;
    const due = Math.min(total, Math.floor((elapsedMs / 1000) * rate));
    while (offered + batch <= due || (due === total && offered < total)) {
      if (inFlight >= maxInFlight) break; // behind schedule: shows as lag
      const count = Math.min(batch, total - offered);
      const p = send(offered, count);
      offered += count;
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    if (elapsedMs >= nextSample) {
      nextSample += sampleMs;
      await sample();
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  const deadline = performance.now() + 300_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, sampleMs));
    const s = await sample();
    if (s.final >= accepted || performance.now() > deadline) break;
  }
  const last = samples[samples.length - 1]!;

  const warm = samples.filter((s) => s.accepted >= total * warmFraction && s.offered < total);
  const series = ['edgeRssMiB', 'edgeHeapMiB', 'workersRssMiB', 'workersHeapMiB', 'redisUsedMiB'] as const;
  const quarter = Math.max(1, Math.floor(warm.length / 4));
  const growth = Object.fromEntries(
    series.map((k) => [
      k,
      {
        slopeMiBPer100k: +(slope(warm.map((s) => s.accepted), warm.map((s) => s[k])) * 100_000).toFixed(2),
        firstWarmQuarterMedian: median(warm.slice(0, quarter).map((s) => s[k])),
        lastQuarterMedian: median(warm.slice(-quarter).map((s) => s[k])),
        max: Math.max(...samples.map((s) => s[k])),
      },
    ]),
  );
  const seconds = (performance.now() - started) / 1000;
  const result = {
    command: `npm run bench:soak -- --messages ${total} --rate ${rate} --batch ${batch}`,
    messages: total,
    offeredRate: rate,
    batch,
    accepted,
    failures,
    maxLag: Math.max(...samples.map((s) => s.lag)),
    final: last.final,
    seconds: Math.round(seconds),
    warmFrom: `${Math.round(warmFraction * 100)}% of the messages`,
    growth,
    samples,
  };
  console.log(JSON.stringify({ ...result, samples: `${samples.length} samples (in the file)` }, null, 2));
  console.log(`written to ${writeResult('soak', result)}`);
} finally {
  await cleanUp();
}
