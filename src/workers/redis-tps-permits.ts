/**
 * Carrier TPS permits shared by every process: one token bucket per carrier
 * in Redis, changed only by one atomic script (keys: the bucket hash).
 * The bucket refills at maxTps per second up to a burst of 100 ms worth
 * (at least one chunk); a claim of `want` permits is all or nothing, and a
 * refused claim says how long until `want` permits are there, so callers
 * sleep instead of polling. An express claim is partial: one permit as soon
 * as there is one, ahead of the chunks normal claims wait for. Time is Redis's own (TIME), so process clocks
 * need not agree.
 *
 * takeUpTo() is the same bucket with partial grants and a burst of the
 * caller's choosing: per-account dispatch caps (workers/account-dispatch-caps.ts)
 * take what there is of a batch's wanted permits.
 */
import type { Redis } from 'ioredis';
import type { TpsPermitSource } from '../carriers/types';

/**
 * KEYS[1]  the carrier's bucket: hash {tokens, ts (ms)}
 * ARGV[1]  rate, permits per second
 * ARGV[2]  burst, the bucket's capacity
 * ARGV[3]  want, permits to take at once
 * ARGV[4]  optional, '1' = partial: grant what there is (up to want) instead of all or nothing
 * returns  {granted, retryAfterMs}: retryAfterMs until want (all or nothing) or one more permit (partial)
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local granted = 0
local wait = 0
if ARGV[4] == '1' then
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
  if granted < want then wait = math.ceil((1 - tokens) * 1000 / rate) end
elseif tokens >= want then
  granted = want
  tokens = tokens - want
else
  wait = math.ceil((want - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return {granted, wait}
`;

type TakeCommand = (key: string, rate: number, burst: number, want: number, partial?: '1') => Promise<[number, number]>;

export class RedisTpsPermits implements TpsPermitSource {
  private readonly take_: TakeCommand;

  constructor(
    redis: Redis,
    /** Key prefix, hash-tagged like the queues (e.g. "{smsgw}"). */
    private readonly prefix: string,
  ) {
    const name = 'smsgwTakeTpsPermits';
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua: TAKE_SCRIPT });
    const command = (redis as unknown as Record<string, TakeCommand>)[name]!;
    this.take_ = command.bind(redis);
  }

  /**
   * `want` permits, all or nothing; an express claim takes what there is up to `want` (the limiter
   * asks for one), so it needs a single permit where normal claims wait for a whole chunk.
   */
  async take(carrierId: string, maxTps: number, want: number, options: { express?: boolean } = {}): Promise<{ granted: number; retryAfterMs: number }> {
    const burst = Math.max(want, Math.ceil(maxTps / 10));
    const key = `${this.prefix}:tps:${carrierId}`;
    const [granted, retryAfterMs] = options.express ? await this.take_(key, maxTps, burst, want, '1') : await this.take_(key, maxTps, burst, want);
    return { granted: Number(granted), retryAfterMs: Number(retryAfterMs) };
  }

  /**
   * Up to `want` permits from the bucket `name` (its own key namespace, e.g. "account:<id>"),
   * refilling at `ratePerSecond` up to `burst`; retryAfterMs says when one more is there.
   */
  async takeUpTo(name: string, ratePerSecond: number, burst: number, want: number): Promise<{ granted: number; retryAfterMs: number }> {
    const [granted, retryAfterMs] = await this.take_(`${this.prefix}:tps:${name}`, ratePerSecond, Math.max(1, burst), want, '1');
    return { granted: Number(granted), retryAfterMs: Number(retryAfterMs) };
  }
}
