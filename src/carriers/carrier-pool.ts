/**
 * The carrier session pool: the only thing that talks SMPP to upstream
 * SMSCs. Per carrier it keeps `binds` CarrierClients, spreads submits over
 * the bound ones (fewest in flight first), and applies the carrier's
 * maxTps with a local token bucket. It answers 'unavailable' (nothing sent)
 * rather than waiting without bound: for a window slot at most
 * windowWaitMs, for a TPS token at most maxTpsWaitMs.
 */
import type { Logger } from 'pino';
import { CarrierClient, type CarrierClientTimings } from './carrier-client';
import { TokenBucket } from './token-bucket';
import type { CarrierConfig, CarrierLiveState, CarrierPort, DeliverHandler, OutboundPart, SubmitOutcome } from './types';

export interface CarrierPoolOptions extends CarrierClientTimings {
  readonly onDeliver: DeliverHandler;
  readonly logger: Logger;
  /** Longest wait for a TPS token before 'unavailable' (default 1_000). */
  readonly maxTpsWaitMs?: number;
  /** [0, 1) source for reconnect jitter (default Math.random). */
  readonly random?: () => number;
}

interface CarrierEntry {
  config: CarrierConfig;
  clients: CarrierClient[];
  bucket: TokenBucket | undefined;
  nextClient: number;
}

/** Fields whose change means the binds must be re-established. */
const CONNECTION_FIELDS = ['host', 'port', 'systemId', 'password', 'systemType'] as const;

export class CarrierPool implements CarrierPort {
  private readonly carriers = new Map<string, CarrierEntry>();
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: CarrierPoolOptions) {}

  /**
   * Opens or reconfigures a carrier's binds; idempotent. A changed host,
   * port or credential re-binds; binds, window and maxTps change in place.
   * Resolves once binds being replaced have unbound (new ones connect in
   * the background); never rejects, so callers may fire and forget. Ignored
   * once the pool is closed.
   */
  async upsert(config: CarrierConfig): Promise<void> {
    if (this.closed) return;
    const frozen = Object.freeze({ ...config });
    const entry = this.carriers.get(config.id);
    if (!entry) {
      this.carriers.set(config.id, { config: frozen, clients: [], bucket: bucketFor(frozen), nextClient: 0 });
      this.resize(config.id);
      return;
    }
    const previous = entry.config;
    entry.config = frozen;
    const stops: Array<Promise<void>> = [];
    if (CONNECTION_FIELDS.some((f) => previous[f] !== frozen[f])) stops.push(...entry.clients.splice(0).map((c) => this.stopClient(c)));
    if (previous.maxTps !== frozen.maxTps) entry.bucket = bucketFor(frozen);
    if (previous.window !== frozen.window) for (const c of entry.clients) c.setWindowSize(frozen.window);
    stops.push(...this.resize(config.id));
    await Promise.all(stops);
  }

  /** Unbinds and forgets a carrier. */
  async remove(carrierId: string): Promise<void> {
    const entry = this.carriers.get(carrierId);
    if (!entry) return;
    this.carriers.delete(carrierId);
    await Promise.all(entry.clients.map((c) => this.stopClient(c)));
  }

  async submit(carrierId: string, part: OutboundPart): Promise<SubmitOutcome> {
    const entry = this.carriers.get(carrierId);
    if (!entry) return { kind: 'unavailable', reason: 'unknown carrier' };
    if (!entry.config.enabled) return { kind: 'unavailable', reason: 'carrier disabled' };
    if (!entry.clients.some((c) => c.isBound)) return { kind: 'unavailable', reason: 'no bound session' };
    if (entry.bucket) {
      const waitMs = entry.bucket.reserve(Date.now(), this.options.maxTpsWaitMs ?? 1_000);
      if (waitMs === undefined) return { kind: 'unavailable', reason: 'over maxTps' };
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    const client = this.pick(entry);
    if (!client) return { kind: 'unavailable', reason: 'no bound session' };
    return client.submit(part);
  }

  liveState(carrierId: string): CarrierLiveState | undefined {
    const entry = this.carriers.get(carrierId);
    if (!entry) return undefined;
    return {
      carrierId,
      boundSessions: entry.clients.filter((c) => c.isBound).length,
      configuredBinds: entry.config.enabled ? entry.config.binds : 0,
      inFlight: entry.clients.reduce((n, c) => n + c.inFlight, 0),
    };
  }

  /** Ids of the carriers the pool holds (enabled or not). */
  carrierIds(): string[] {
    return [...this.carriers.keys()];
  }

  liveStates(): CarrierLiveState[] {
    return [...this.carriers.keys()].map((id) => this.liveState(id) as CarrierLiveState);
  }

  /** Unbinds everything (each bounded by the session's unbind timeout) and refuses further use. */
  async close(): Promise<void> {
    this.closed = true;
    const ids = [...this.carriers.keys()];
    await Promise.all(ids.map((id) => this.remove(id)));
    await Promise.all([...this.stopping]);
  }

  /** The bound client with the most free window slots; ties go round robin. */
  private pick(entry: CarrierEntry): CarrierClient | undefined {
    const n = entry.clients.length;
    let best: CarrierClient | undefined;
    for (let i = 0; i < n; i++) {
      const client = entry.clients[(entry.nextClient + i) % n] as CarrierClient;
      if (!client.isBound) continue;
      if (!best || client.freeSlots > best.freeSlots) best = client;
    }
    entry.nextClient = (entry.nextClient + 1) % Math.max(1, n);
    return best;
  }

  /** Starts or stops clients until the count matches the config; returns the stops. */
  private resize(carrierId: string): Array<Promise<void>> {
    const entry = this.carriers.get(carrierId);
    if (!entry) return [];
    const want = entry.config.enabled ? Math.max(0, entry.config.binds) : 0;
    const stops = entry.clients.splice(want).map((c) => this.stopClient(c));
    while (entry.clients.length < want) {
      const client = new CarrierClient({
        ...this.options,
        config: entry.config,
        bindIndex: entry.clients.length,
      });
      entry.clients.push(client);
      client.start();
    }
    return stops;
  }

  private stopClient(client: CarrierClient): Promise<void> {
    const stop = client.stop().finally(() => this.stopping.delete(stop));
    this.stopping.add(stop);
    return stop;
  }
}

function bucketFor(config: CarrierConfig): TokenBucket | undefined {
  return config.maxTps !== null && config.maxTps > 0 ? new TokenBucket(config.maxTps) : undefined;
}
