/**
 * The carrier session pool: the only thing that talks SMPP to upstream
 * SMSCs. Per carrier it keeps `binds` transceivers (or `binds` transmitters
 * and as many receivers, bindMode transmitter_receiver), spreads submits
 * over the bound transmitting ones (most free window slots first), and
 * applies the carrier's maxTps across processes (TpsLimiter over the shared
 * permit source; a local bucket without one).
 *
 * Fair admission: submits wait in the pool, per carrier, in a FairQueue
 * (express first, round robin across accounts), not inside a session, so a
 * gate can stop them right before they are sent. One pump per carrier
 * takes a TPS permit, then a window slot (SlotQueue), and only then lets
 * the next waiter by fairness send; so one account's backlog of thousands
 * delays another account's submit by about one submit per waiting account,
 * not by the backlog. The order holds among this process's waiters; across
 * worker processes the carrier's TPS bucket is shared, and there an express
 * claim needs one permit where normal claims wait for a chunk, so another
 * process's campaign does not starve it.
 *
 * Bind slots: with `leasedBinds`, a carrier's binds are slots that the
 * workers processes share (BindLeaseKeeper, bind-lease-keeper.ts): the pool
 * opens only the slots it is given (setHeldSlots), so all processes
 * together never exceed the carrier's `binds`; a process given none
 * answers 'not-held' (the message waits, maybe for another process).
 * Without it, every slot is this process's.
 *
 * It answers 'unavailable' (nothing sent) rather than waiting without
 * bound: a waiter gives up after maxTpsWaitMs when the carrier has a
 * maxTps (over-tps while the pump waits for a permit; window-full or
 * not-bound while it waits for a slot), else after windowWaitMs.
 */
import type { Logger } from 'pino';
import { CarrierClient, type CarrierBindType, type CarrierClientTimings } from './carrier-client';
import { FairQueue } from './fair-queue';
import { SlotQueue } from './slot-queue';
import { TpsLimiter } from './tps-limiter';
import type { CarrierConfig, CarrierLiveState, CarrierPort, DeliverHandler, OutboundPart, SubmitOrder, SubmitOutcome, TpsPermitSource } from './types';

export interface CarrierPoolOptions extends CarrierClientTimings {
  readonly onDeliver: DeliverHandler;
  readonly logger: Logger;
  /** Longest wait for a TPS permit before 'unavailable' (default 2_000). */
  readonly maxTpsWaitMs?: number;
  /** Shared permits for maxTps across processes (Redis); without it the cap holds per process. */
  readonly tpsPermits?: TpsPermitSource;
  readonly onTpsSourceError?: (error: unknown) => void;
  /** [0, 1) source for reconnect jitter (default Math.random). */
  readonly random?: () => number;
  /** Bind only the slots setHeldSlots gives (leases shared by processes); default false: every slot. */
  readonly leasedBinds?: boolean;
}

/** A submit waiting for its turn: admitted (true) with a slot, or sent away with the outcome. */
interface Waiter {
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  readonly resolve: (admitted: true | SubmitOutcome) => void;
}

interface CarrierEntry {
  config: CarrierConfig;
  /** The sessions of the slots held, in slot order (what pick, capacity and state read). */
  clients: CarrierClient[];
  /** The same sessions by bind slot: one transceiver, or a transmitter and its receiver. */
  bySlot: Map<number, CarrierClient[]>;
  /** Slots this process may bind (leasedBinds); null = every slot. */
  held: readonly number[] | null;
  limiter: TpsLimiter | undefined;
  /** Outstanding submits across the carrier's binds; only the pump waits here. */
  slots: SlotQueue;
  nextClient: number;
  /** Submits waiting for the pump, in fairness order (settled ones are skipped). */
  waiting: FairQueue<Waiter>;
  /** Waiters not settled yet. */
  live: number;
  /** What the pump waits for now; a waiter giving up answers after it. */
  stage: 'idle' | 'permit' | 'slot';
  pumping: boolean;
  removed: boolean;
}

/**
 * Asked right before a submit goes out (after any wait for a TPS permit or
 * a window slot); false = do not send it, answer 'paused'. The guard uses
 * it so that a throttle answer stops the submits still waiting here.
 */
export type SendGate = () => boolean;

/** Fields whose change means the binds must be re-established. */
const CONNECTION_FIELDS = ['host', 'port', 'systemId', 'password', 'systemType', 'bindMode'] as const;

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
      const entry: CarrierEntry = {
        config: frozen,
        clients: [],
        bySlot: new Map(),
        held: this.options.leasedBinds ? [] : null,
        limiter: this.limiterFor(frozen),
        slots: new SlotQueue(() => capacityOf(entry)),
        nextClient: 0,
        waiting: new FairQueue<Waiter>((w) => !w.settled),
        live: 0,
        stage: 'idle',
        pumping: false,
        removed: false,
      };
      this.carriers.set(config.id, entry);
      this.resize(config.id);
      return;
    }
    const previous = entry.config;
    entry.config = frozen;
    const stops: Array<Promise<void>> = [];
    if (CONNECTION_FIELDS.some((f) => previous[f] !== frozen[f])) stops.push(...this.stopAll(entry));
    if (previous.maxTps !== frozen.maxTps) entry.limiter = this.limiterFor(frozen);
    if (previous.window !== frozen.window) for (const c of entry.clients) c.setWindowSize(frozen.window);
    stops.push(...this.resize(config.id));
    entry.slots.wake();
    await Promise.all(stops);
  }

  /** Unbinds and forgets a carrier. */
  async remove(carrierId: string): Promise<void> {
    const entry = this.carriers.get(carrierId);
    if (!entry) return;
    this.carriers.delete(carrierId);
    entry.removed = true;
    entry.slots.clear();
    // Nothing was sent to them, and the pool no longer holds the carrier: they may go to the next one.
    const gone: SubmitOutcome = { kind: 'unavailable', cause: 'unknown-carrier', reason: 'carrier removed while waiting' };
    for (let waiter = entry.waiting.shift(); waiter; waiter = entry.waiting.shift()) settle(entry, waiter, gone);
    await Promise.all(this.stopAll(entry));
  }

  /** Bind slots the carrier's config asks for (its binds; 0 when disabled or deleted). */
  slotCount(carrierId: string): number {
    const entry = this.carriers.get(carrierId);
    return entry ? slotsOf(entry.config) : 0;
  }

  /**
   * The slots this process may bind now (leasedBinds): binds the new ones,
   * and resolves once the sessions of the slots taken away have unbound,
   * so their leases can be given back.
   */
  async setHeldSlots(carrierId: string, slots: readonly number[]): Promise<void> {
    const entry = this.carriers.get(carrierId);
    if (!entry || !this.options.leasedBinds) return;
    entry.held = [...slots];
    const stops = this.resize(carrierId);
    entry.slots.wake();
    await Promise.all(stops);
  }

  /**
   * One submit_sm: waits its turn (express first, round robin across
   * accounts) while the carrier's pump takes a TPS permit and a window
   * slot, at most maxTpsWaitMs (with a maxTps) or windowWaitMs; then asks
   * `gate`, and sends on the bound transmitting session with the most free
   * slots.
   */
  async submit(carrierId: string, part: OutboundPart, order?: SubmitOrder, gate?: SendGate): Promise<SubmitOutcome> {
    const entry = this.carriers.get(carrierId);
    if (!entry) return { kind: 'unavailable', cause: 'unknown-carrier', reason: 'unknown carrier' };
    if (!entry.config.enabled) return { kind: 'unavailable', cause: 'disabled', reason: 'carrier disabled' };
    if (!hasTransmitter(entry)) return unboundOutcome(entry);
    const admitted = await this.admission(entry, order);
    if (admitted !== true) return admitted;
    try {
      if (gate && !gate()) return { kind: 'unavailable', cause: 'paused', reason: 'paused while waiting to be sent' };
      const client = this.pick(entry);
      if (!client) return unboundOutcome(entry);
      return await client.submit(part);
    } finally {
      // After the caller has seen the outcome (its continuation runs first), so a throttle answer
      // has paused the carrier before the next waiter asks its gate.
      setImmediate(() => entry.slots.release());
    }
  }

  liveState(carrierId: string): CarrierLiveState | undefined {
    const entry = this.carriers.get(carrierId);
    if (!entry) return undefined;
    return {
      carrierId,
      boundSessions: entry.clients.filter((c) => c.isBound).length,
      configuredBinds: entry.clients.length,
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

  /** Queues the submit for its turn; resolves true holding a window slot, or with why not. */
  private admission(entry: CarrierEntry, order: SubmitOrder | undefined): Promise<true | SubmitOutcome> {
    const maxTpsWaitMs = this.options.maxTpsWaitMs ?? 2_000;
    const windowWaitMs = this.options.windowWaitMs ?? 5_000;
    return new Promise((resolve) => {
      const waiter: Waiter = { settled: false, timer: undefined, resolve };
      const giveUp = () => {
        if (waiter.settled) return;
        if (entry.limiter && entry.stage === 'permit') {
          settle(entry, waiter, { kind: 'unavailable', cause: 'over-tps', reason: `over maxTps ${entry.limiter.maxTps}` });
        } else settle(entry, waiter, slotOutcome(entry, entry.limiter ? maxTpsWaitMs : windowWaitMs));
      };
      waiter.timer = setTimeout(giveUp, entry.limiter ? maxTpsWaitMs : windowWaitMs);
      entry.waiting.push(order?.priority === 'express' ? 'express' : 'normal', order?.accountId ?? '', waiter);
      entry.live++;
      void this.pump(entry);
    });
  }

  /**
   * The carrier's one admission loop while submits wait: a TPS permit (with
   * a maxTps), then a window slot, then the slot goes to the next waiter by
   * fairness. A permit whose waiters all gave up meanwhile is not used.
   */
  private async pump(entry: CarrierEntry): Promise<void> {
    if (entry.pumping) return;
    entry.pumping = true;
    const maxTpsWaitMs = this.options.maxTpsWaitMs ?? 2_000;
    const windowWaitMs = this.options.windowWaitMs ?? 5_000;
    try {
      while (entry.live > 0 && !entry.removed) {
        const limiter = entry.limiter;
        if (limiter) {
          entry.stage = 'permit';
          // In short steps, so an express waiter that comes meanwhile claims the shared bucket's
          // next single permit (tps-limiter.ts) instead of waiting behind a chunk-sized normal
          // claim that other processes keep beating.
          if (!(await limiter.acquire(Math.min(maxTpsWaitMs, PERMIT_STEP_MS), entry.waiting.hasExpress()))) {
            await sleep(PERMIT_RETRY_MS); // acquire may refuse at once when the next permit is beyond the step
            continue;
          }
        }
        entry.stage = 'slot';
        if (!(await entry.slots.acquire(windowWaitMs))) continue;
        const waiter = entry.waiting.shift();
        if (!waiter) {
          entry.slots.release();
          break;
        }
        settle(entry, waiter, true);
      }
    } finally {
      entry.stage = 'idle';
      entry.pumping = false;
    }
    // A waiter that came while the loop was ending.
    if (entry.live > 0 && !entry.removed) void this.pump(entry);
  }

  private limiterFor(config: CarrierConfig): TpsLimiter | undefined {
    if (config.maxTps === null || !(config.maxTps > 0)) return undefined;
    return new TpsLimiter(config.id, config.maxTps, this.options.tpsPermits, this.options.onTpsSourceError);
  }

  /** The bound transmitting client with the most free window slots; ties go round robin. */
  private pick(entry: CarrierEntry): CarrierClient | undefined {
    const n = entry.clients.length;
    let best: CarrierClient | undefined;
    for (let i = 0; i < n; i++) {
      const client = entry.clients[(entry.nextClient + i) % n] as CarrierClient;
      if (!client.isBound || !client.canSubmit) continue;
      if (!best || client.freeSlots > best.freeSlots) best = client;
    }
    entry.nextClient = (entry.nextClient + 1) % Math.max(1, n);
    return best;
  }

  /** Starts or stops sessions until they are those of the held slots the config still has; returns the stops. */
  private resize(carrierId: string): Array<Promise<void>> {
    const entry = this.carriers.get(carrierId);
    if (!entry) return [];
    const count = slotsOf(entry.config);
    const wanted = new Set((entry.held ?? Array.from({ length: count }, (_, slot) => slot)).filter((slot) => slot < count));
    const stops: Array<Promise<void>> = [];
    for (const [slot, clients] of entry.bySlot) {
      if (wanted.has(slot)) continue;
      entry.bySlot.delete(slot);
      stops.push(...clients.map((c) => this.stopClient(c)));
    }
    for (const slot of wanted) {
      if (entry.bySlot.has(slot)) continue;
      entry.bySlot.set(slot, slotBindTypes(entry.config).map((bindType) => this.startClient(entry, slot, bindType)));
    }
    entry.clients = [...entry.bySlot.entries()].sort(([a], [b]) => a - b).flatMap(([, clients]) => clients);
    return stops;
  }

  private startClient(entry: CarrierEntry, slot: number, bindType: CarrierBindType): CarrierClient {
    const client = new CarrierClient({ ...this.options, config: entry.config, bindIndex: slot, bindType });
    client.on('state', () => entry.slots.wake());
    client.start();
    return client;
  }

  /** Stops every session of the carrier (its slots stay held: resize binds them again). */
  private stopAll(entry: CarrierEntry): Array<Promise<void>> {
    const stops = entry.clients.map((c) => this.stopClient(c));
    entry.bySlot.clear();
    entry.clients = [];
    return stops;
  }

  private stopClient(client: CarrierClient): Promise<void> {
    const stop = client.stop().finally(() => this.stopping.delete(stop));
    this.stopping.add(stop);
    return stop;
  }
}

/** Bind slots a config asks for: its binds, none when disabled or deleted. */
function slotsOf(config: CarrierConfig): number {
  return config.enabled && !config.deleted ? Math.max(0, config.binds) : 0;
}

/** The sessions of one slot: a transceiver, or a transmitter with its receiver. */
function slotBindTypes(config: CarrierConfig): CarrierBindType[] {
  return config.bindMode === 'transmitter_receiver' ? ['transmitter', 'receiver'] : ['transceiver'];
}

const NOT_BOUND: SubmitOutcome = { kind: 'unavailable', cause: 'not-bound', reason: 'no bound session' };
const NOT_HELD: SubmitOutcome = { kind: 'unavailable', cause: 'not-held', reason: 'other workers processes hold every bind slot' };

/** Nothing bound to send on: this process has no slot of a carrier that has some, or its binds are down. */
function unboundOutcome(entry: CarrierEntry): SubmitOutcome {
  return entry.held !== null && entry.held.length === 0 && slotsOf(entry.config) > 0 ? NOT_HELD : NOT_BOUND;
}

/** The pump's pause after a refused TPS permit before it asks again, ms. */
const PERMIT_RETRY_MS = 5;
/** Longest the pump waits for one permit before it looks again whether an express waiter came, ms. */
const PERMIT_STEP_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers a waiter once: admitted (true) or an outcome. */
function settle(entry: CarrierEntry, waiter: Waiter, answer: true | SubmitOutcome): void {
  if (waiter.settled) return;
  waiter.settled = true;
  clearTimeout(waiter.timer);
  entry.live--;
  waiter.resolve(answer);
}

/** Why a waiter got no window slot: the windows stayed full, or no session is bound. */
function slotOutcome(entry: CarrierEntry, waitedMs: number): SubmitOutcome {
  return hasTransmitter(entry) ? { kind: 'unavailable', cause: 'window-full', reason: `no window slot within ${waitedMs} ms` } : unboundOutcome(entry);
}

function hasTransmitter(entry: CarrierEntry): boolean {
  return entry.clients.some((c) => c.isBound && c.canSubmit);
}

/** Submits the carrier may have outstanding: its window on every bound transmitting session. */
function capacityOf(entry: CarrierEntry): number {
  return entry.clients.filter((c) => c.isBound && c.canSubmit).length * entry.config.window;
}
