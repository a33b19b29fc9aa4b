/**
 * Carrier tests: extra SMSC simulators on 127.0.0.1:0, registered as
 * carriers through the operator API, and what the tests read back (what
 * each simulator received, the breaker gauge, final message states).
 */
import { SmscSimulator, type ReceivedSubmit, type SmscSimulatorOptions } from '../../src/simulator';
import type { GatewayOptions } from '../../src/gateway';
import { eventually, type TestGateway } from './gateway';

/** Short timings so failover, breakers, pauses and retries play out in a test's time. */
export const FAST_CARRIERS: Pick<GatewayOptions, 'carriers' | 'dispatchWait' | 'sweepIntervalMs' | 'retryBaseDelayMs'> = {
  carriers: {
    responseTimeoutMs: 1_000,
    windowWaitMs: 1_000,
    reconnectInitialMs: 50,
    reconnectMaxMs: 200,
    maxTpsWaitMs: 1_000,
    breaker: { consecutiveFailures: 5, resetTimeoutMs: 300 },
    pause: { initialPauseMs: 100, maxPauseMs: 400 },
  },
  dispatchWait: { baseDelayMs: 50, maxDelayMs: 300 },
  sweepIntervalMs: 200,
  retryBaseDelayMs: 50,
};

export interface SimCarrier {
  readonly name: string;
  readonly id: string;
  readonly sim: SmscSimulator;
  /** Every submit_sm the simulator answered (or not), with the time it arrived. */
  readonly submits: ReceivedSubmit[];
  /** Submits it accepted (answered ESME_ROK). */
  accepted(): ReceivedSubmit[];
}

export async function addSimCarrier(
  t: TestGateway,
  name: string,
  options: { sim?: SmscSimulatorOptions; carrier?: Record<string, unknown> } = {},
): Promise<SimCarrier> {
  const sim = new SmscSimulator({ dlrDelayMs: 20, receiptRetryDelayMs: 100, maxRecordedSubmits: 0, ...options.sim });
  const { port } = await sim.start();
  const submits: ReceivedSubmit[] = [];
  sim.on('submit', (s) => submits.push(s));
  const created = await t.admin('POST', '/api/v1/carriers', {
    name,
    host: '127.0.0.1',
    port,
    systemId: 'smsgw',
    password: 'pw',
    binds: 2,
    window: 50,
    ...options.carrier,
  });
  if (created.status !== 201) {
    await sim.stop();
    throw new Error(`carrier ${name}: ${JSON.stringify(created.body)}`);
  }
  return { name, id: created.body.id, sim, submits, accepted: () => submits.filter((s) => s.commandStatus === 0) };
}

export async function putRoutes(t: TestGateway, routes: unknown[]): Promise<void> {
  const r = await t.admin('PUT', '/api/v1/routes', routes);
  if (r.status !== 200) throw new Error(`PUT /routes: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Until the simulator has `binds` bound sessions from us. */
export async function bound(carrier: SimCarrier, binds: number, timeoutMs = 5_000): Promise<void> {
  await eventually(async () => (carrier.sim.boundSessions >= binds ? true : undefined), timeoutMs, `${carrier.name} to be bound`);
}

/** smsgw_carrier_breaker_state{carrier=name} of this gateway process (undefined before its first report). */
export async function breakerGauge(t: TestGateway, name: string): Promise<number | undefined> {
  const metric = await t.gw.metrics.carrierBreakerState.get();
  return metric.values.find((v) => v.labels.carrier === name)?.value;
}

export const FINAL = ['delivered', 'undelivered', 'expired', 'failed', 'rejected'];

/** Message statuses by id, straight from PostgreSQL. */
export async function statuses(t: TestGateway, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await t.gw.db.raw('SELECT id, status FROM messages WHERE id = ANY(?::uuid[])', [[...ids]]);
  return new Map((rows as Array<{ id: string; status: string }>).map((r) => [r.id, r.status]));
}

export async function allFinal(t: TestGateway, ids: readonly string[], timeoutMs: number): Promise<Map<string, string>> {
  return eventually(
    async () => {
      const s = await statuses(t, ids);
      return [...s.values()].every((v) => FINAL.includes(v)) && s.size === ids.length ? s : undefined;
    },
    timeoutMs,
    `${ids.length} messages to be final`,
  );
}

/** Sends `to` (up to 1,000 numbers per request) and returns the message ids. */
export async function send(t: TestGateway, creds: Parameters<TestGateway['asApp']>[0], to: readonly string[], text = 'hello'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < to.length; i += 1000) {
    const r = await t.asApp(creds, 'POST', '/api/v1/messages', { to: to.slice(i, i + 1000), text });
    if (r.status !== 202) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(...r.body.messages.map((m: { id: string }) => m.id));
  }
  return ids;
}

export function numbers(prefix: string, count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(offset + i).padStart(12 - prefix.length, '0')}`);
}
