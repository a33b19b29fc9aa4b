/**
 * Per-address limit on failed authentication: after `maxFailures` within
 * `windowMs` an address gets 429 for the rest of the window, whatever it
 * sends, so guessing app secrets or the admin token costs real time. Kept in
 * memory per edge process (bounded: at most `maxTrackedAddresses` entries,
 * oldest evicted first).
 */
export interface AuthFailureLimitOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly maxTrackedAddresses?: number;
}

export class AuthFailureLimit {
  private readonly failures = new Map<string, { count: number; windowStartMs: number }>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;

  constructor(
    options: AuthFailureLimitOptions = {},
    private readonly nowMs: () => number = Date.now,
  ) {
    this.maxFailures = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxTracked = options.maxTrackedAddresses ?? 100_000;
  }

  /** Seconds until the address may try again; 0 when it may try now. */
  blockedForSeconds(address: string): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    const elapsed = this.nowMs() - entry.windowStartMs;
    if (elapsed >= this.windowMs) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= this.maxFailures ? Math.ceil((this.windowMs - elapsed) / 1000) : 0;
  }

  recordFailure(address: string): void {
    const now = this.nowMs();
    const entry = this.failures.get(address);
    if (!entry || now - entry.windowStartMs >= this.windowMs) {
      this.failures.delete(address);
      if (this.failures.size >= this.maxTracked) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(address, { count: 1, windowStartMs: now });
    } else entry.count++;
  }
}
