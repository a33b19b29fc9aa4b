/**
 * A carrier's maxTps holds across processes: limiters that share the Redis
 * permit bucket (as two worker processes do) together stay within the cap;
 * each claims permits in chunks, so Redis sees a call per chunk, not per
 * submit. Without Redis a limiter keeps capping on its own.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TpsLimiter } from '../../../src/carriers/tps-limiter';
import { RedisTpsPermits } from '../../../src/workers/redis-tps-permits';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const prefix = `{t${randomBytes(4).toString('hex')}}`;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** Takes permits as fast as they come for durationMs; returns how many each taker got. */
async function drain(limiters: readonly TpsLimiter[], durationMs: number, concurrencyEach = 20): Promise<number[]> {
  const until = Date.now() + durationMs;
  return Promise.all(
    limiters.map(async (limiter) => {
      let taken = 0;
      await Promise.all(
        Array.from({ length: concurrencyEach }, async () => {
          while (Date.now() < until) if (await limiter.acquire(Math.max(1, until - Date.now()))) taken++;
        }),
      );
      return taken;
    }),
  );
}

describe('the carrier TPS limiter', () => {
  it('holds maxTps across two processes sharing the Redis bucket, claiming in chunks', async () => {
    const calls = { n: 0 };
    const permits = new RedisTpsPermits(redis, prefix);
    const counted = { take: (id: string, tps: number, want: number) => (calls.n++, permits.take(id, tps, want)) };
    const a = new TpsLimiter('carrier-1', 200, counted);
    const b = new TpsLimiter('carrier-1', 200, new RedisTpsPermits(redis.duplicate(), prefix));
    const [fromA, fromB] = await drain([a, b], 1_500);
    const total = fromA! + fromB!;
    // 1.5 s at 200/s, plus the bucket's 100 ms burst and at most one 50 ms chunk held by each.
    expect(total).toBeLessThanOrEqual(300 + 20 + 2 * 10);
    expect(total).toBeGreaterThanOrEqual(250);
    expect(Math.min(fromA!, fromB!)).toBeGreaterThan(50); // both get a share
    expect(calls.n).toBeLessThan(fromA! / 2); // chunks of 10, plus refused claims
  });

  it('gets express permits at once while another process drains the bucket in chunks, and the cap still holds', async () => {
    const drainer = new TpsLimiter('carrier-3', 200, new RedisTpsPermits(redis, prefix));
    const express = new TpsLimiter('carrier-3', 200, new RedisTpsPermits(redis.duplicate(), prefix));
    const started = Date.now();
    const drained = drain([drainer], 1_500);
    const waits: number[] = [];
    let granted = 0;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the drainer has emptied the bucket
    for (let i = 0; i < 10; i++) {
      const asked = Date.now();
      if (await express.acquire(50, true)) {
        granted++;
        waits.push(Date.now() - asked);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [fromDrainer] = await drained;
    const seconds = (Date.now() - started) / 1000;
    // An express claim needs one permit (one every 5 ms at 200/s); the drainer's claims wait for 10.
    // (With normal claims instead, 4 of 10 got none within 50 ms in a trial run.)
    expect(granted).toBe(10);
    expect(Math.max(...waits)).toBeLessThan(50);
    // Both together within the cap: the run's seconds at 200/s, the burst (20) and a chunk held.
    expect(fromDrainer! + granted).toBeLessThanOrEqual(Math.ceil(seconds * 200) + 20 + 10);
  });

  it('keeps capping per process when Redis is unreachable', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    down.on('error', () => undefined);
    const errors: unknown[] = [];
    const limiter = new TpsLimiter('carrier-2', 100, new RedisTpsPermits(down, prefix), (e) => errors.push(e));
    const [taken] = await drain([limiter], 1_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(taken).toBeLessThanOrEqual(100 + 10 + 5);
    expect(taken).toBeGreaterThanOrEqual(80);
    down.disconnect();
  });
});
