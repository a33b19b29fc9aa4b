/**
 * What accept needs to know about money and quotas, without a database
 * round trip on the hot path: per account its balance, credit limit and
 * rate overrides, per app its monthly quota. Each entry is served from
 * memory; an entry older than `freshMs` is still served while one
 * background load refreshes it, and only a missing entry (or one older
 * than `maxStaleMs`) is loaded before answering, once for every key of the
 * call. A change made through this process's API invalidates its entry at
 * once; other processes see it within `freshMs` (plus one load).
 *
 * The check at accept is therefore advisory and may be up to `freshMs`
 * stale; the charge in review+charge (under a row lock) is authoritative.
 * The loaders are injected: this module does no I/O itself.
 */
import { RateOverrides, type RateOverride } from './rate-overrides';

export interface SwrCacheOptions {
  /** Entries younger than this are served without a refresh, ms (default 1,000). */
  readonly freshMs?: number;
  /** Entries older than this are reloaded before answering, ms (default 30,000). */
  readonly maxStaleMs?: number;
  readonly nowMs?: () => number;
  readonly onError?: (error: unknown) => void;
}

interface Entry<V> {
  value: V;
  loadedMs: number;
}

export class SwrCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly refreshing = new Set<string>();
  private readonly freshMs: number;
  private readonly maxStaleMs: number;
  private readonly nowMs: () => number;
  /** Bumped by invalidate(), so a load that started before it does not store an old value. */
  private generation = 0;

  constructor(
    private readonly load: (keys: readonly string[]) => Promise<Map<string, V>>,
    private readonly options: SwrCacheOptions = {},
  ) {
    this.freshMs = options.freshMs ?? 1_000;
    this.maxStaleMs = Math.max(options.maxStaleMs ?? 30_000, this.freshMs);
    this.nowMs = options.nowMs ?? Date.now;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, V>> {
    const now = this.nowMs();
    const out = new Map<string, V>();
    const missing: string[] = [];
    const stale: string[] = [];
    for (const key of new Set(keys)) {
      const entry = this.entries.get(key);
      if (!entry || now - entry.loadedMs >= this.maxStaleMs) {
        missing.push(key);
        continue;
      }
      out.set(key, entry.value);
      if (now - entry.loadedMs >= this.freshMs && !this.refreshing.has(key)) stale.push(key);
    }
    if (stale.length > 0) void this.refresh(stale);
    if (missing.length > 0) for (const [key, value] of await this.fetch(missing)) out.set(key, value);
    return out;
  }

  async get(key: string): Promise<V | undefined> {
    return (await this.getMany([key])).get(key);
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  private async fetch(keys: readonly string[]): Promise<Map<string, V>> {
    const generation = this.generation;
    const loaded = await this.load(keys);
    const now = this.nowMs();
    if (generation === this.generation) for (const [key, value] of loaded) this.entries.set(key, { value, loadedMs: now });
    return loaded;
  }

  private async refresh(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.refreshing.add(key);
    try {
      await this.fetch(keys);
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      for (const key of keys) this.refreshing.delete(key);
    }
  }
}

export interface AccountTerms {
  readonly balance: number;
  /** Postpaid room below zero, minor units (0 = prepaid). */
  readonly creditLimit: number;
  readonly rates: readonly RateOverride[];
}

export interface BillingSource {
  accountTerms(accountIds: readonly string[]): Promise<Map<string, AccountTerms>>;
  /** Monthly quota per app; null = none. */
  appQuotas(appIds: readonly string[]): Promise<Map<string, number | null>>;
}

interface CachedTerms {
  readonly available: number;
  readonly rates: RateOverrides;
}

export class BillingCache {
  private readonly accounts: SwrCache<CachedTerms>;
  private readonly apps: SwrCache<number | null>;

  constructor(source: BillingSource, options: SwrCacheOptions = {}) {
    this.accounts = new SwrCache(async (ids) => {
      const terms = await source.accountTerms(ids);
      return new Map(
        [...terms].map(([id, t]) => [id, { available: t.balance + t.creditLimit, rates: new RateOverrides(t.rates) }] as const),
      );
    }, options);
    this.apps = new SwrCache((ids) => source.appQuotas(ids), options);
  }

  /** What each account may still spend: balance + credit limit (the AcceptStore.balances contract). */
  async available(accountIds: readonly string[]): Promise<Map<string, number>> {
    const terms = await this.accounts.getMany(accountIds);
    return new Map([...terms].map(([id, t]) => [id, t.available]));
  }

  /** The account's rate overrides (none when it has none, or is unknown). */
  async rates(accountId: string): Promise<RateOverrides> {
    return (await this.accounts.get(accountId))?.rates ?? RateOverrides.none;
  }

  async quotas(appIds: readonly string[]): Promise<Map<string, number | null>> {
    return this.apps.getMany(appIds);
  }

  invalidateAccount(accountId: string): void {
    this.accounts.invalidate(accountId);
  }

  invalidateApp(appId: string): void {
    this.apps.invalidate(appId);
  }
}
