/**
 * A carrier's maxTps, held across its binds and across every worker
 * process: permits come from a shared TpsPermitSource (a token bucket in
 * Redis) in chunks of about 50 ms worth, so the hot path costs one Redis
 * call per chunk, not per submit. A chunk not used within STOCK_TTL_MS is
 * dropped, never spent late, so every process together exceeds maxTps by at
 * most one chunk each (plus the shared bucket's burst of 100 ms worth).
 *
 * When the source fails (Redis unreachable) the limiter keeps going on a
 * local token bucket at the full rate for SOURCE_RETRY_MS, then tries the
 * source again: the cap then holds per process only, which beats stopping
 * all traffic. Every wait is bounded by the caller's maxWaitMs.
 */
import { TokenBucket } from './token-bucket';
import type { TpsPermitSource } from './types';

/** Claimed permits older than this are dropped, ms. */
const STOCK_TTL_MS = 250;
/** After a source error, the local bucket alone decides for this long, ms. */
const SOURCE_RETRY_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class TpsLimiter {
  /** Permits per claim: 50 ms worth, at least 1. */
  readonly chunk: number;
  private stock = 0;
  private stockAtMs = 0;
  private refilling: Promise<number> | undefined;
  private refillingExpress: Promise<number> | undefined;
  /** After a refused claim: no caller asks the source again before this. */
  private nextClaimAtMs = 0;
  private sourceDownUntilMs = 0;
  private readonly local: TokenBucket;

  constructor(
    private readonly carrierId: string,
    /** Submits per second across all processes; > 0. */
    readonly maxTps: number,
    private readonly source: TpsPermitSource | undefined,
    private readonly onSourceError: (error: unknown) => void = () => undefined,
  ) {
    this.chunk = Math.max(1, Math.floor(maxTps / 20));
    this.local = new TokenBucket(maxTps);
  }

  /**
   * Takes one permit, waiting at most maxWaitMs; false (nothing taken) when none came in time.
   * `express`: when the local stock is empty, claims a single permit from the source at once (a
   * normal claim waits for a whole chunk), without waiting for a refused normal claim's retry time.
   */
  async acquire(maxWaitMs: number, express = false): Promise<boolean> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const now = Date.now();
      if (!this.source || now < this.sourceDownUntilMs) return this.acquireLocal(now, deadline);
      if (this.stock > 0 && now - this.stockAtMs <= STOCK_TTL_MS) {
        this.stock--;
        return true;
      }
      this.stock = 0;
      const retryAfterMs = express ? await this.refillExpress() : now < this.nextClaimAtMs ? this.nextClaimAtMs - now : await this.refill();
      if (this.stock > 0 || Date.now() < this.sourceDownUntilMs) continue;
      if (Date.now() + retryAfterMs > deadline) return false;
      await sleep(retryAfterMs);
    }
  }

  private async acquireLocal(now: number, deadline: number): Promise<boolean> {
    const waitMs = this.local.reserve(now, Math.max(0, deadline - now));
    if (waitMs === undefined) return false;
    if (waitMs > 0) await sleep(waitMs);
    return true;
  }

  /** One claim shared by every caller waiting now; resolves with the source's retryAfterMs. */
  private refill(): Promise<number> {
    this.refilling ??= this.claim(this.chunk, false).finally(() => (this.refilling = undefined));
    return this.refilling;
  }

  /** One permit for an express submit (one claim at a time). */
  private refillExpress(): Promise<number> {
    this.refillingExpress ??= this.claim(1, true).finally(() => (this.refillingExpress = undefined));
    return this.refillingExpress;
  }

  private claim(want: number, express: boolean): Promise<number> {
    return this.source!.take(this.carrierId, this.maxTps, want, express ? { express } : undefined).then(
      ({ granted, retryAfterMs }) => {
        this.stock += granted;
        this.stockAtMs = Date.now();
        if (granted === 0 && !express) this.nextClaimAtMs = Date.now() + Math.max(1, retryAfterMs);
        return Math.max(1, retryAfterMs);
      },
      (error: unknown) => {
        this.sourceDownUntilMs = Date.now() + SOURCE_RETRY_MS;
        this.onSourceError(error);
        return 0;
      },
    );
  }
}
