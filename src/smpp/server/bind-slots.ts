/**
 * The per-app limit on concurrent binds, across every edge process: a Redis
 * sorted set per app whose members are bind ids scored by lease expiry
 * (epoch ms). A bind takes a slot atomically (expired members are swept
 * first); each process renews its binds' leases every `renewEveryMs`, so
 * the slots of a process that died free themselves within `leaseMs`.
 * When Redis does not answer, the limit is checked against this process's
 * own binds only (a bind is not refused because Redis is down).
 */
import type { Redis } from 'ioredis';

const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export interface BindSlotsOptions {
  /** A slot not renewed for this long is free again, ms (default 30 s). */
  readonly leaseMs?: number;
  readonly renewEveryMs?: number;
  readonly nowMs?: () => number;
}

export class BindSlots {
  private readonly leaseMs: number;
  private readonly nowMs: () => number;
  private readonly held = new Map<string, string>(); // bindId -> appId
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    options: BindSlotsOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.nowMs = options.nowMs ?? Date.now;
    this.timer = setInterval(() => void this.renew(), options.renewEveryMs ?? Math.floor(this.leaseMs / 3));
    this.timer.unref();
  }

  private key(appId: string): string {
    return `${this.keyPrefix}:smpp-binds:${appId}`;
  }

  /** True when the app had a free slot (now taken by bindId). */
  async take(appId: string, bindId: string, limit: number): Promise<boolean> {
    const now = this.nowMs();
    try {
      const ok = await this.redis.eval(TAKE, 1, this.key(appId), now, limit, bindId, now + this.leaseMs, this.leaseMs * 2);
      if (ok !== 1) return false;
    } catch {
      const local = [...this.held.values()].filter((a) => a === appId).length;
      if (local >= limit) return false;
    }
    this.held.set(bindId, appId);
    return true;
  }

  async release(bindId: string): Promise<void> {
    const appId = this.held.get(bindId);
    if (!appId) return;
    this.held.delete(bindId);
    await this.redis.zrem(this.key(appId), bindId).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const expires = this.nowMs() + this.leaseMs;
    const pipeline = this.redis.pipeline();
    // Plain ZADD: a slot taken while Redis was down (or swept during an outage) is re-registered.
    for (const [bindId, appId] of this.held) pipeline.zadd(this.key(appId), expires, bindId).pexpire(this.key(appId), this.leaseMs * 2);
    await pipeline.exec().catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
