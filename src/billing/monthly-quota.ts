/**
 * Calendar months (UTC) for the per-app monthly message quota. Pure: the
 * caller brings the clock.
 */

/** "YYYYMM" of the UTC month holding `now`. */
export function monthKey(now: Date): string {
  return `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function nextMonthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** Whole seconds until the quota resets (Retry-After), at least 1. */
export function secondsUntilNextMonth(now: Date): number {
  return Math.max(1, Math.ceil((nextMonthStart(now).getTime() - now.getTime()) / 1000));
}

export interface QuotaRequest {
  readonly appId: string;
  /** Messages the app may have accepted this month. */
  readonly limit: number;
  /** Messages this submission adds. */
  readonly count: number;
}

/**
 * Which requests fit, in order, given what each app used already this
 * month; a refused request reserves nothing, so a later, smaller one may
 * still fit. Returns the verdicts and the new usage per app. The Redis
 * counter runs the same rule in a script (workers/redis-monthly-quota.ts).
 */
export function planQuota(
  requests: readonly QuotaRequest[],
  used: ReadonlyMap<string, number>,
): { allowed: boolean[]; used: Map<string, number> } {
  const next = new Map(used);
  const allowed = requests.map((r) => {
    const current = next.get(r.appId) ?? 0;
    if (current + r.count > r.limit) return false;
    next.set(r.appId, current + r.count);
    return true;
  });
  return { allowed, used: next };
}
