/**
 * The per-app monthly message counters, shared by every edge process: one
 * Redis integer per app and calendar month (UTC), `<prefix>:quota:<appId>:<YYYYMM>`,
 * changed only by one atomic script that applies planQuota's rule to a
 * whole accept batch (one round trip per batch). A counter that is missing
 * (a new month, or Redis lost it) is first seeded from PostgreSQL (the
 * messages the app had accepted this month), so losing Redis never resets a
 * quota; the seed costs one query per app and month.
 */
import type { Redis } from 'ioredis';
import { monthKey, monthStart, nextMonthStart, type QuotaRequest } from '../billing/monthly-quota';

/**
 * KEYS[i]     the counter of request i (the same key may repeat)
 * ARGV[2i-1]  limit of request i
 * ARGV[2i]    count of request i
 * returns     {-1, i} when KEYS[i] does not exist (nothing changed), else one 1|0 per request
 */
const RESERVE_SCRIPT = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return {-1, i} end
end
local used = {}
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local current = used[key] or tonumber(redis.call('GET', key))
  local limit = tonumber(ARGV[2 * i - 1])
  local count = tonumber(ARGV[2 * i])
  if current + count <= limit then
    current = current + count
    out[i] = 1
  else
    out[i] = 0
  end
  used[key] = current
end
for key, value in pairs(used) do redis.call('SET', key, value, 'KEEPTTL') end
return out`;

/** Messages of each app accepted since `since` (the seed of a missing counter). */
export type AcceptedSince = (appIds: readonly string[], since: Date) => Promise<Map<string, number>>;

/** Reserved counts, to give back when the batch is not stored after all. */
export interface QuotaReservation {
  readonly key: string;
  readonly count: number;
}

export class RedisMonthlyQuota {
  constructor(
    private readonly redis: Redis,
    /** e.g. "{smsgw}" (hash-tagged, like the BullMQ prefix). */
    private readonly keyPrefix: string,
    private readonly acceptedSince: AcceptedSince,
  ) {}

  private key(appId: string, now: Date): string {
    return `${this.keyPrefix}:quota:${appId}:${monthKey(now)}`;
  }

  /** Reserves each request's count when it fits, in order; returns the verdicts and what to release on failure. */
  async reserve(requests: readonly QuotaRequest[], now: Date): Promise<{ allowed: boolean[]; reservations: QuotaReservation[] }> {
    if (requests.length === 0) return { allowed: [], reservations: [] };
    const keys = requests.map((r) => this.key(r.appId, now));
    const args = requests.flatMap((r) => [String(r.limit), String(r.count)]);
    for (let round = 0; ; round++) {
      const result = (await this.redis.eval(RESERVE_SCRIPT, keys.length, ...keys, ...args)) as number[];
      if (result[0] !== -1) {
        const allowed = result.map((v) => v === 1);
        const reservations = requests.flatMap((r, i) => (allowed[i] ? [{ key: keys[i]!, count: r.count }] : []));
        return { allowed, reservations };
      }
      if (round >= 2) throw new Error('monthly quota counters could not be seeded');
      await this.seed([...new Set(requests.map((r) => r.appId))], now);
    }
  }

  async release(reservations: readonly QuotaReservation[]): Promise<void> {
    if (reservations.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const r of reservations) pipeline.decrby(r.key, r.count);
    await pipeline.exec();
  }

  /** The counter's current value; undefined when it is not seeded yet this month. */
  async usedOrUndefined(appId: string, now: Date): Promise<number | undefined> {
    const value = await this.redis.get(this.key(appId, now));
    return value === null ? undefined : Number(value);
  }

  private async seed(appIds: readonly string[], now: Date): Promise<void> {
    const counts = await this.acceptedSince(appIds, monthStart(now));
    // Kept a week past the month's end, then Redis drops it.
    const ttlMs = nextMonthStart(now).getTime() - now.getTime() + 7 * 86400_000;
    const pipeline = this.redis.pipeline();
    for (const appId of appIds) pipeline.set(this.key(appId, now), counts.get(appId) ?? 0, 'PX', ttlMs, 'NX');
    await pipeline.exec();
  }
}
