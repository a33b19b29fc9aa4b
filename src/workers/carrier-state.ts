/**
 * Live carrier state crosses processes through Redis: the process that owns
 * the binds publishes every second; the API reads it for GET /carriers.
 * An entry older than `staleMs` counts as nothing bound.
 */
import type { Redis } from 'ioredis';
import type { CarrierLiveState } from '../carriers/types';

export type PublishedState = CarrierLiveState & { breaker: string; publishedAtMs: number };

export class CarrierStateBoard {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly staleMs = 5_000,
  ) {}

  async publish(states: ReadonlyArray<CarrierLiveState & { breaker: string }>, processId: string): Promise<void> {
    if (states.length === 0) return;
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const state of states) {
      pipeline.hset(this.key, `${state.carrierId}|${processId}`, JSON.stringify({ ...state, publishedAtMs: now }));
    }
    pipeline.expire(this.key, 3600);
    await pipeline.exec();
  }

  /** Sums the fresh states of every process, per carrier. */
  async read(): Promise<Map<string, CarrierLiveState & { breaker: string }>> {
    const all = await this.redis.hgetall(this.key);
    const now = Date.now();
    const out = new Map<string, CarrierLiveState & { breaker: string }>();
    for (const raw of Object.values(all)) {
      const s = JSON.parse(raw) as PublishedState;
      if (now - s.publishedAtMs > this.staleMs) continue;
      const prev = out.get(s.carrierId);
      out.set(s.carrierId, {
        carrierId: s.carrierId,
        boundSessions: (prev?.boundSessions ?? 0) + s.boundSessions,
        configuredBinds: (prev?.configuredBinds ?? 0) + s.configuredBinds,
        inFlight: (prev?.inFlight ?? 0) + s.inFlight,
        breaker: prev && prev.breaker !== 'closed' ? prev.breaker : s.breaker,
      });
    }
    return out;
  }
}
