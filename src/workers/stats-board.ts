/**
 * The live statistics counters of every process, through Redis: each process
 * (edge, workers, or both) writes its cumulative counters (messages
 * accepted, parts carriers accepted, final statuses; src/metrics/stats-counters.ts)
 * into one hash field of its own every `publishIntervalMs` (1 s), and the
 * stats stream of any api process reads the hash and sums the fresh fields.
 * A field not refreshed for `staleMs` (5 s) is a process that stopped: it is
 * ignored, and deleted once it is a minute old. The hash expires an hour
 * after the last write, so a deployment that is gone leaves nothing.
 *
 * Why Redis and not the metrics endpoints: processes do not know each other's
 * addresses, and every process already shares Redis (the carrier states cross
 * the same way, carrier-state.ts).
 */
import type { Redis } from 'ioredis';
import type { StatsCounters } from '../metrics/stats-counters';

interface Published extends StatsCounters {
  readonly publishedAtMs: number;
}

export class StatsCounterBoard {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly staleMs = 5_000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async publish(processId: string, counters: StatsCounters): Promise<void> {
    const value: Published = { ...counters, publishedAtMs: this.nowMs() };
    await this.redis.pipeline().hset(this.key, processId, JSON.stringify(value)).expire(this.key, 3600).exec();
  }

  /** The fresh counters of every process, by process id. */
  async read(): Promise<Map<string, StatsCounters>> {
    const all = await this.redis.hgetall(this.key);
    const now = this.nowMs();
    const out = new Map<string, StatsCounters>();
    const gone: string[] = [];
    for (const [processId, raw] of Object.entries(all)) {
      let s: Published;
      try {
        s = JSON.parse(raw) as Published;
      } catch {
        gone.push(processId);
        continue;
      }
      const age = now - s.publishedAtMs;
      if (age > 60_000) gone.push(processId);
      if (age > this.staleMs) continue;
      out.set(processId, { accepted: s.accepted, submitted: s.submitted, final: s.final });
    }
    if (gone.length > 0) await this.redis.hdel(this.key, ...gone);
    return out;
  }

  /** Publishes `read()` of this process every `intervalMs` until the returned stop is called (which publishes once more). */
  startPublishing(processId: string, read: () => Promise<StatsCounters>, intervalMs = 1_000, onError: (error: unknown) => void = () => undefined): () => Promise<void> {
    const publishNow = () => read().then((c) => this.publish(processId, c)).catch(onError);
    void publishNow();
    const timer = setInterval(() => void publishNow(), intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await publishNow();
    };
  }
}
