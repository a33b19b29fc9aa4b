/**
 * Per-account dispatch rate caps for the dispatch stage (pipeline/ports.ts
 * DispatchCaps): the cap of each account from PostgreSQL through a small
 * cache (fresh for `freshMs`, default 2 s, so an operator's change reaches
 * every workers process within a few seconds), and permits from a token
 * bucket per account in Redis shared by every process (the carrier TPS
 * bucket's script, key namespace `account:<id>`), with a burst of one
 * second's worth.
 */
import { SwrCache, type SwrCacheOptions } from '../billing/billing-cache';
import type { DispatchCaps } from '../pipeline/ports';
import type { RedisTpsPermits } from './redis-tps-permits';

export interface CapSource {
  /** The caps of these accounts (messages per second; null = none); unknown accounts are left out. */
  dispatchCaps(accountIds: readonly string[]): Promise<Map<string, number | null>>;
}

export class AccountDispatchCaps implements DispatchCaps {
  private readonly cache: SwrCache<number | null>;

  constructor(
    source: CapSource,
    private readonly permits: Pick<RedisTpsPermits, 'takeUpTo'>,
    options: SwrCacheOptions = {},
  ) {
    this.cache = new SwrCache((ids) => source.dispatchCaps(ids), { freshMs: 2_000, maxStaleMs: 30_000, ...options });
  }

  async capOf(accountId: string): Promise<number | null> {
    return (await this.cache.get(accountId)) ?? null;
  }

  take(accountId: string, ratePerSecond: number, wanted: number): Promise<{ granted: number; retryAfterMs: number }> {
    return this.permits.takeUpTo(`account:${accountId}`, ratePerSecond, Math.ceil(ratePerSecond), wanted);
  }

  /** Forget a cached cap (changed through this process). */
  invalidate(accountId: string): void {
    this.cache.invalidate(accountId);
  }
}
