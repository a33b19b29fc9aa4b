/**
 * Brute-force protection for binds, per (source address, system_id):
 * - every failed bind delays its answer: delayMs = min(baseDelayMs * 2^(failures-1), maxDelayMs);
 * - `maxFailures` failures within `windowMs` lock the key out for `lockoutMs`:
 *   binds from it are refused at once without checking the password;
 * - a successful bind clears the key.
 * State is in memory per process and bounded (`maxKeys`, oldest key evicted
 * first). With several edge processes an attacker gets the allowance once
 * per process; DESIGN.md asks for per-address protection, which this gives.
 */
export interface LoginGuardOptions {
  /** Failures within windowMs that lock a key out (default 5). */
  readonly maxFailures?: number;
  /** Window in which failures are counted, ms (default 10 minutes). */
  readonly windowMs?: number;
  /** Lockout duration, ms (default 5 minutes). */
  readonly lockoutMs?: number;
  /** Delay of the first failed answer, doubled per failure, ms (default 250). */
  readonly baseDelayMs?: number;
  /** Cap on the delay, ms (default 4,000). */
  readonly maxDelayMs?: number;
  /** Keys remembered at most (default 10,000). */
  readonly maxKeys?: number;
  readonly nowMs?: () => number;
}

interface Entry {
  failures: number;
  firstFailureMs: number;
  lockedUntilMs: number;
}

export const LOGIN_GUARD_DEFAULTS = {
  maxFailures: 5,
  windowMs: 10 * 60_000,
  lockoutMs: 5 * 60_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxKeys: 10_000,
} as const;

export class LoginGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly o: Required<Omit<LoginGuardOptions, 'nowMs'>>;
  private readonly nowMs: () => number;

  constructor(options: LoginGuardOptions = {}) {
    const { nowMs, ...rest } = options;
    this.o = { ...LOGIN_GUARD_DEFAULTS, ...rest };
    this.nowMs = nowMs ?? Date.now;
  }

  static key(address: string, systemId: string): string {
    return `${address}\u0000${systemId}`;
  }

  /** Milliseconds the key stays locked out; 0 when it may try. */
  lockedForMs(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.lockedUntilMs - this.nowMs()) : 0;
  }

  /** Records a failure; returns how long to delay the answer, ms. */
  failure(key: string): number {
    const now = this.nowMs();
    let entry = this.entries.get(key);
    if (!entry || now - entry.firstFailureMs > this.o.windowMs) entry = { failures: 0, firstFailureMs: now, lockedUntilMs: 0 };
    entry.failures++;
    if (entry.failures >= this.o.maxFailures) entry.lockedUntilMs = now + this.o.lockoutMs;
    this.entries.delete(key); // re-insert: Map order is the eviction order
    this.entries.set(key, entry);
    while (this.entries.size > this.o.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
    return Math.min(this.o.baseDelayMs * 2 ** (entry.failures - 1), this.o.maxDelayMs);
  }

  success(key: string): void {
    this.entries.delete(key);
  }
}
