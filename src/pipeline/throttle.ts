/**
 * Per-app throughput limit: a token bucket per app holding one second of
 * its throughputPerSecond. Local to the process: with several edge
 * processes each enforces the full rate (documented in the README; the
 * performance issue moves this into Redis counters).
 */
export interface ThrottleVerdict {
  readonly allowed: boolean;
  /** Whole seconds until the request would fit (for Retry-After). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class AppThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * Takes `count` tokens when they are there. A request larger than the
   * bucket passes only when the bucket is full and leaves it in debt, so the
   * average rate still holds (a 1,000-number request on a 100/s app passes,
   * and the next ones wait about 10 s).
   */
  take(appId: string, ratePerSecond: number, count: number): ThrottleVerdict {
    const now = this.nowMs();
    const capacity = Math.max(ratePerSecond, 1);
    const bucket = this.buckets.get(appId) ?? { tokens: capacity, updatedMs: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedMs) / 1000) * ratePerSecond);
    bucket.updatedMs = now;
    this.buckets.set(appId, bucket);
    if (Math.min(count, capacity) <= bucket.tokens) {
      bucket.tokens -= count;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    const missing = Math.min(count, capacity) - bucket.tokens; // may include an earlier debt
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / ratePerSecond)) };
  }
}
