/**
 * Operator pauses of a carrier's dispatch, across processes: a Redis hash
 * `{prefix}:carrier-paused` (carrier id -> {pausedAt, actor}) written by the
 * API (POST /api/v1/carriers/:id/pause | resume) and read by every workers
 * process, which refreshes its copy every `refreshMs` (default 250 ms), so a
 * pause or a resume takes effect everywhere within about that.
 *
 * A paused carrier keeps its binds (receipts and MO still arrive); only
 * submits stop: the guarded port answers `unavailable` (cause `paused`,
 * nothing sent) and dispatch treats it like a throttle pause: the message
 * goes to the next carrier of its route, or waits queued (not charged twice,
 * no attempt counted) until the carrier is resumed or the message expires.
 * The hash has no TTL: a pause lasts until resumed. Losing Redis's data
 * loses the pauses with the queues (README: Redis must persist).
 */
import type { Redis } from 'ioredis';
import type { CarrierLiveState, CarrierPort, OutboundPart, SubmitOrder, SubmitOutcome } from '../carriers/types';

export interface CarrierPauseEntry {
  readonly carrierId: string;
  readonly pausedAt: string;
  readonly actor: string;
}

export const carrierPauseKey = (keyPrefix: string): string => `${keyPrefix}:carrier-paused`;

export class RedisCarrierPauses {
  private readonly key: string;
  private paused = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  /** `keyPrefix` is the hash-tagged queue prefix, e.g. "{smsgw}". */
  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly refreshMs = 250,
  ) {
    this.key = carrierPauseKey(keyPrefix);
  }

  /** True when the carrier was not paused before. */
  async pause(carrierId: string, actor: string, at = new Date()): Promise<boolean> {
    const added = await this.redis.hsetnx(this.key, carrierId, JSON.stringify({ pausedAt: at.toISOString(), actor }));
    this.paused.add(carrierId);
    return added === 1;
  }

  /** True when the carrier was paused. */
  async resume(carrierId: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.key, carrierId);
    this.paused.delete(carrierId);
    return removed === 1;
  }

  async list(): Promise<CarrierPauseEntry[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all).map(([carrierId, raw]) => {
      const v = JSON.parse(raw) as { pausedAt: string; actor: string };
      return { carrierId, pausedAt: v.pausedAt, actor: v.actor };
    });
  }

  /** From the local copy (at most refreshMs old once started). */
  isPaused(carrierId: string): boolean {
    return this.paused.has(carrierId);
  }

  async refresh(): Promise<void> {
    this.paused = new Set(await this.redis.hkeys(this.key));
  }

  /** Loads the pauses now, then keeps the local copy fresh; a failed refresh keeps the last copy. */
  async start(): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The dispatcher's carrier port with operator pauses in front (nothing is sent to a paused carrier). */
export function pausableCarrierPort(inner: CarrierPort, pauses: Pick<RedisCarrierPauses, 'isPaused'>): CarrierPort {
  return {
    async submit(carrierId: string, part: OutboundPart, order?: SubmitOrder): Promise<SubmitOutcome> {
      if (pauses.isPaused(carrierId)) return { kind: 'unavailable', cause: 'paused', reason: 'carrier paused by the operator' };
      return inner.submit(carrierId, part, order);
    },
    liveState(carrierId: string): CarrierLiveState | undefined {
      return inner.liveState(carrierId);
    },
  };
}
