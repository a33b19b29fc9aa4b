/**
 * The template rate policy on Redis: one sorted set per (template, number,
 * window) holding the message ids counted in the last 60 s / 24 h (scores =
 * Redis server time in ms, so every edge process shares one clock). One Lua
 * script checks and counts a whole submission atomically: when any number is
 * over, nothing is counted and the answer says when the oldest entry that
 * blocks leaves its window. Keys carry the queue prefix's hash tag
 * ({smsgw}), so one script's keys share a Redis Cluster slot; they expire
 * with their window.
 */
import type { Redis } from 'ioredis';
import type { RatePolicy, RateVerdict, TemplateRateLimiter } from './rate-policy';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// KEYS: per send, its minute key then its day key. ARGV: perMinute, perDay (0 = none), then one member per send.
// Returns {1} when counted, or {0, retryAfterMs, index of each send that was over (1-based)...}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]) }
local windows = { ${MINUTE_MS}, ${DAY_MS} }
local n = #KEYS / 2
local over = {}
local retry = 0
local added = {}
for i = 1, n do
  local member = ARGV[2 + i]
  local ok = true
  for w = 1, 2 do
    local limit = limits[w]
    if limit > 0 then
      local key = KEYS[2 * (i - 1) + w]
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windows[w])
      local count = redis.call('ZCARD', key)
      if count >= limit then
        ok = false
        local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
        local wait = tonumber(oldest[2]) + windows[w] - now
        if wait > retry then retry = wait end
      end
    end
  end
  if ok then
    for w = 1, 2 do
      if limits[w] > 0 then
        local key = KEYS[2 * (i - 1) + w]
        redis.call('ZADD', key, now, member)
        redis.call('PEXPIRE', key, windows[w])
        table.insert(added, { key, member })
      end
    end
  else
    table.insert(over, i)
  end
end
if #over == 0 then return { 1 } end
for _, a in ipairs(added) do redis.call('ZREM', a[1], a[2]) end
local out = { 0, retry }
for _, i in ipairs(over) do table.insert(out, i) end
return out
`;

export class RedisTemplateRateLimiter implements TemplateRateLimiter {
  constructor(
    private readonly redis: Redis,
    /** The hash-tagged key prefix, e.g. `{smsgw}`. */
    private readonly keyPrefix: string,
  ) {}

  private keys(templateId: string, to: string): [string, string] {
    const base = `${this.keyPrefix}:tpl-rate:${templateId}:${to}`;
    return [`${base}:m`, `${base}:d`];
  }

  async take(templateId: string, sends: ReadonlyArray<{ to: string; member: string }>, policy: RatePolicy): Promise<RateVerdict> {
    if (sends.length === 0) return { allowed: true };
    const keys = sends.flatMap((s) => this.keys(templateId, s.to));
    const reply = (await this.redis.eval(
      TAKE,
      keys.length,
      ...keys,
      String(policy.perMinute ?? 0),
      String(policy.perDay ?? 0),
      ...sends.map((s) => s.member),
    )) as number[];
    if (reply[0] === 1) return { allowed: true };
    const retryMs = Number(reply[1] ?? 1000);
    const numbers = [...new Set(reply.slice(2).map((i) => sends[Number(i) - 1]!.to))];
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)), numbers };
  }

  async release(templateId: string, sends: ReadonlyArray<{ to: string; member: string }>): Promise<void> {
    if (sends.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const s of sends) for (const key of this.keys(templateId, s.to)) pipeline.zrem(key, s.member);
    await pipeline.exec();
  }
}
