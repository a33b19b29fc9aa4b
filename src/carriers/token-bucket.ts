/**
 * A token bucket for a carrier's submits-per-second cap, local to this
 * process. Callers reserve a token and are told how long to wait for it, so
 * waiting callers are served in order without a queue. The burst is a tenth
 * of a second's worth (at least 1), so an idle carrier is never hit with a
 * full second's quota at once.
 */
export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;
  private readonly burst: number;

  constructor(
    /** Tokens per second; > 0. */
    readonly ratePerSecond: number,
    nowMs: number = Date.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    this.burst = Math.max(1, ratePerSecond / 10);
    this.tokens = this.burst;
    this.lastRefillMs = nowMs;
  }

  /**
   * Takes one token: returns the ms to wait before using it (0 = now), or
   * undefined (and takes nothing) when that wait would exceed maxWaitMs.
   */
  reserve(nowMs: number, maxWaitMs: number): number | undefined {
    this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastRefillMs) * this.ratePerSecond) / 1000);
    this.lastRefillMs = nowMs;
    const waitMs = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
    if (waitMs > maxWaitMs) return undefined;
    this.tokens -= 1;
    return waitMs;
  }
}
