/**
 * A template's rate policy per destination number (e.g. one-time passwords:
 * at most 1 a minute and 10 a day per number). Windows slide: "a minute" is
 * the last 60 seconds, "a day" the last 24 hours. The limiter is a port; the
 * Redis implementation (redis-rate-limiter.ts) checks and counts a whole
 * submission atomically, without a database round trip.
 */

export interface RatePolicy {
  readonly perMinute: number | null;
  readonly perDay: number | null;
}

export const MAX_RATE_PER_MINUTE = 100;
export const MAX_RATE_PER_DAY = 1000;

export type RateVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number; readonly numbers: readonly string[] };

export interface TemplateRateLimiter {
  /**
   * Counts one message per (number, member) against the policy, all or
   * nothing: when any number is over, nothing is counted.
   */
  take(templateId: string, sends: ReadonlyArray<{ readonly to: string; readonly member: string }>, policy: RatePolicy): Promise<RateVerdict>;
  /** Un-counts sends that were taken but not accepted in the end. */
  release(templateId: string, sends: ReadonlyArray<{ readonly to: string; readonly member: string }>): Promise<void>;
}

export function hasRateLimit(policy: RatePolicy | null | undefined): policy is RatePolicy {
  return Boolean(policy && (policy.perMinute !== null || policy.perDay !== null));
}
