/**
 * The processes a benchmark run starts and stops: a fresh database, the
 * gateway's edge and workers processes (as `npm start` lays them out), and
 * the SMSC simulator as a process of its own (`npm run simulator`). Every
 * child is stopped by its own pid; databases are dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { SERVER_URL } from './lib';

export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  /** Where /metrics answers (gateway processes only). */
  readonly metricsUrl?: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `smsgw_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return { url: `${SERVER_URL}/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Children still running, stopped on SIGINT / SIGTERM of the bench so none is left behind. */
const running = new Set<BenchProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`${signal}: stopping ${running.size} child processes\n`);
    void Promise.all([...running].map((p) => p.stop())).finally(() => process.exit(130));
  });
}

function managed(name: string, child: ChildProcess, metricsUrl?: string): BenchProcess {
  const p: BenchProcess = {
    name,
    pid: child.pid!,
    ...(metricsUrl ? { metricsUrl } : {}),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return void running.delete(p);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      // A profiled process writes its .cpuprofile on exit: give it time before SIGKILL.
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      running.delete(p);
    },
  };
  running.add(p);
  return p;
}

export interface GatewayProcessOptions {
  readonly name: string;
  readonly roles: string;
  readonly databaseUrl: string;
  readonly queuePrefix: string;
  readonly adminToken: string;
  readonly httpPort: number;
  readonly smppPort?: number;
  /** node --cpu-prof into <profileDir>/<name>/; the profiles are written when the process stops. */
  readonly profileDir?: string;
  readonly env?: Record<string, string>;
}

/** One gateway process (src/main.ts) with GATEWAY_ROLES=roles and no built-in simulator; resolves once /readyz answers 200. */
export async function startGateway(o: GatewayProcessOptions): Promise<BenchProcess> {
  // One directory per process: Node writes a profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile),
  // and tsx's module hooks run on a thread of their own; thread 0 is the main thread.
  const profile = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(o.profileDir, o.name)}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      QUEUE_PREFIX: o.queuePrefix,
      HTTP_PORT: String(o.httpPort),
      SMPP_PORT: String(o.smppPort ?? 0),
      HOST: '127.0.0.1',
      GATEWAY_ROLES: o.roles,
      SIMULATOR: '0',
      ADMIN_TOKEN: o.adminToken,
      LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${o.httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with ${child.exitCode}`);
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`${o.name} did not become ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return managed(o.name, child, `${base}/metrics`);
}

export interface SimulatorProcessOptions {
  readonly submitDelayMs: number;
  readonly dlrDelayMs: number;
  /** Unanswered submit_sm per bind before the simulator stops reading (at least the client's window). */
  readonly inboundWindow: number;
  /** Record when submits to destinations with this prefix arrive (`arrivals`). */
  readonly watchPrefix?: string;
}

/** `npm run simulator` as a child process; resolves with its port once it listens. */
export async function startSimulator(o: SimulatorProcessOptions): Promise<BenchProcess & { port: number; arrivals: Map<string, number> }> {
  const args = ['--port', '0', '--submit-delay-ms', String(o.submitDelayMs), '--dlr-delay-ms', String(o.dlrDelayMs), '--inbound-window', String(o.inboundWindow), '--stats-interval-s', '3600'];
  if (o.watchPrefix !== undefined) args.push('--print-submits-to', o.watchPrefix);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // destination -> epoch ms the simulator received its submit_sm (the first one, when several).
  const arrivals = new Map<string, number>();
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator did not start within 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const listening = /listening on port (\d+)/.exec(line);
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
        const submit = /^submit (\d+) (\d+)$/.exec(line);
        if (submit && !arrivals.has(submit[1]!)) arrivals.set(submit[1]!, Number(submit[2]));
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { ...managed('simulator', child), port, arrivals };
}
