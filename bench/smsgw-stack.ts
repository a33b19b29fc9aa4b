/**
 * smsgw as a benchmark target, in its production layout: one edge process
 * (GATEWAY_ROLES=api,smpp) and `workers` workers processes
 * (GATEWAY_ROLES=workers) on a fresh database and queue prefix, with the
 * simulator process registered as carrier "sim" through the operator API
 * (POST /api/v1/carriers, PUT /api/v1/routes: a catch-all route) instead of
 * SIMULATOR=1. One account, an SMPP app and an HTTP app.
 */
import { randomBytes } from 'node:crypto';
import { KeepAliveClient } from './drivers/http-client';
import { PgBackendCpu } from './pg-backends';
import { createDatabase, freePort, startGateway, type BenchProcess } from './processes';
import { probe } from './run-channel';
import type { Sampler } from './sampler';
import type { ReceiptSink } from './sink';

export interface StackOptions {
  readonly simulatorPort: number;
  readonly workers: number;
  readonly carrierBinds: number;
  readonly carrierWindow: number;
  /** Credit for the account, in minor units (the route's price is 1 per part). */
  readonly credit: number;
  readonly profileDir?: string;
  /** Extra environment of every gateway process (e.g. CALLBACK_HOST_CONCURRENCY). */
  readonly env?: Record<string, string>;
}

export interface AppCredentials {
  readonly appId: string;
  readonly secret: string;
  readonly smppSystemId: string;
  readonly smppPassword: string;
}

export interface SmsgwStack {
  readonly base: string;
  readonly databaseUrl: string;
  readonly smppPort: number;
  readonly processes: readonly BenchProcess[];
  readonly smppApp: AppCredentials;
  readonly httpApp: AppCredentials;
  /** An operator API call (Bearer ADMIN_TOKEN); throws on a non-2xx answer. */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startSmsgw(o: StackOptions): Promise<SmsgwStack> {
  const db = await createDatabase();
  const queuePrefix = `bench${randomBytes(3).toString('hex')}`;
  const adminToken = randomBytes(24).toString('base64url');
  const smppPort = await freePort();
  const common = { databaseUrl: db.url, queuePrefix, adminToken, ...(o.profileDir ? { profileDir: o.profileDir } : {}), ...(o.env ? { env: o.env } : {}) };
  const processes: BenchProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop();
    await db.drop();
  };
  try {
    // The edge runs the migrations; the workers start after it so they do not race it.
    const edge = await startGateway({ ...common, name: 'edge', roles: 'api,smpp', httpPort: await freePort(), smppPort });
    processes.push(edge);
    for (let i = 1; i <= o.workers; i++) {
      processes.push(await startGateway({ ...common, name: o.workers === 1 ? 'workers' : `workers${i}`, roles: 'workers', httpPort: await freePort() }));
    }
    const base = edge.metricsUrl!.replace(/\/metrics$/, '');
    const call = async (method: string, path: string, body?: unknown): Promise<Record<string, string>> => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await r.json()) as Record<string, string>;
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    await call('POST', '/api/v1/carriers', { name: 'sim', host: '127.0.0.1', port: o.simulatorPort, systemId: 'smsgw', password: 'bench', binds: o.carrierBinds, window: o.carrierWindow });
    await call('PUT', '/api/v1/routes', [{ prefix: '', carriers: ['sim'], price: 1 }]);
    const account = await call('POST', '/api/v1/accounts', { name: 'bench' });
    await call('POST', `/api/v1/accounts/${account.id}/credit`, { amount: o.credit });
    const app = async (name: string): Promise<AppCredentials> => {
      const a = await call('POST', `/api/v1/accounts/${account.id}/apps`, { name, throughputPerSecond: 100_000 });
      return { appId: a.appId!, secret: a.secret!, smppSystemId: a.smppSystemId!, smppPassword: a.smppPassword! };
    };
    return { base, databaseUrl: db.url, smppPort, processes, smppApp: await app('bench-smpp'), httpApp: await app('bench-http'), admin: call, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Samples every gateway process and the PostgreSQL backends of the stack's database; resolves with the undo. */
export async function watchStack(sampler: Sampler, stack: SmsgwStack): Promise<() => Promise<void>> {
  for (const p of stack.processes) sampler.watch({ name: p.name, pid: p.pid, ...(p.metricsUrl ? { metricsUrl: p.metricsUrl } : {}) });
  const pgCpu = new PgBackendCpu(stack.databaseUrl);
  await pgCpu.start();
  sampler.watch({ name: 'postgres', read: () => pgCpu.sample() });
  return async () => {
    for (const p of stack.processes) sampler.unwatch(p.name);
    sampler.unwatch('postgres');
    await pgCpu.stop();
  };
}

/** One HTTP message with a callback to the sink, until the callback arrives: the carrier is bound and the path is warm. */
export async function probeSmsgw(sink: ReceiptSink, stack: SmsgwStack): Promise<void> {
  const client = new KeepAliveClient(1);
  const auth = `Basic ${Buffer.from(`${stack.httpApp.appId}:${stack.httpApp.secret}`).toString('base64')}`;
  try {
    await probe(sink, async () => {
      const body = JSON.stringify({ to: '989000000001', text: 'probe', callbackUrl: sink.url('/smsgw') });
      const r = await client.send('POST', `${stack.base}/api/v1/messages`, { authorization: auth, 'content-type': 'application/json' }, body);
      return r.status === 202 ? (JSON.parse(r.body) as { messages: Array<{ id: string }> }).messages[0]!.id : undefined;
    });
  } finally {
    client.close();
  }
}
