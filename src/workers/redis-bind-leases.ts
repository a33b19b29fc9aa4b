/**
 * Carrier bind-slot leases in Redis (carriers/types.ts BindLeaseSource):
 * one key per slot, `{prefix}:bind:<carrierId>:<slot>`, holding its
 * owner's id with an expiry; and one sorted set of live owners scored by
 * when their heartbeat runs out. Each operation is one script, so a claim
 * (renew what is held, take what is free) is atomic, and a release only
 * deletes a key its caller still owns. Time is Redis's own (TIME).
 */
import type { Redis } from 'ioredis';
import type { BindLeaseSource } from '../carriers/types';

/** KEYS[1] the owners' sorted set; ARGV owner, ttlMs. Returns the live owners. */
const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 3600000)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/** KEYS the slot keys in slot order; ARGV owner, want, ttlMs. Returns the held slots (0-based). */
const CLAIM_SCRIPT = `
local owner = ARGV[1]
local want = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local held = {}
local count = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == owner then
    redis.call('PEXPIRE', key, ttl)
    held[i] = true
    count = count + 1
  end
end
for i, key in ipairs(KEYS) do
  if count >= want then break end
  if not held[i] and redis.call('SET', key, owner, 'PX', ttl, 'NX') then
    held[i] = true
    count = count + 1
  end
end
local out = {}
for i = 1, #KEYS do
  if held[i] then out[#out + 1] = i - 1 end
end
return out
`;

/** KEYS[1] a slot key; ARGV owner. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export class RedisBindLeases implements BindLeaseSource {
  private readonly scripts: Record<'heartbeat' | 'claim' | 'release', Script>;
  private readonly owners: string;

  constructor(
    private readonly redis: Redis,
    /** Key prefix, hash-tagged like the queues (e.g. "{smsgw}"), so every key is in one cluster slot. */
    private readonly prefix: string,
  ) {
    this.owners = `${prefix}:bind-owners`;
    const define = (name: string, lua: string, numberOfKeys?: number): Script => {
      if (!(name in redis)) redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
      return ((redis as unknown as Record<string, Script>)[name] as Script).bind(redis);
    };
    this.scripts = {
      heartbeat: define('smsgwBindHeartbeat', HEARTBEAT_SCRIPT, 1),
      // The number of keys varies with the carrier's binds: passed first on each call.
      claim: define('smsgwBindClaim', CLAIM_SCRIPT),
      release: define('smsgwBindRelease', RELEASE_SCRIPT, 1),
    };
  }

  async heartbeat(owner: string, ttlMs: number): Promise<string[]> {
    return (await this.scripts.heartbeat(this.owners, owner, ttlMs)) as string[];
  }

  async claim(carrierId: string, slots: number, owner: string, want: number, ttlMs: number): Promise<number[]> {
    if (slots <= 0) return [];
    const keys = Array.from({ length: slots }, (_, slot) => this.slotKey(carrierId, slot));
    const held = (await this.scripts.claim(keys.length, ...keys, owner, want, ttlMs)) as number[];
    return held.map(Number);
  }

  async release(carrierId: string, slot: number, owner: string): Promise<void> {
    await this.scripts.release(this.slotKey(carrierId, slot), owner);
  }

  async leave(owner: string): Promise<void> {
    await this.redis.zrem(this.owners, owner);
  }

  private slotKey(carrierId: string, slot: number): string {
    return `${this.prefix}:bind:${carrierId}:${slot}`;
  }
}
