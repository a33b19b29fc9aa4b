/**
 * Carrier bind-slot leases in Redis, shared by the worker processes: a
 * claim renews what its owner holds and takes free slots lowest first up
 * to what it wants, never more binds than slots; a release only frees a
 * slot its caller still holds; a lease not renewed expires for another to
 * take; the heartbeat lists the live owners, dropping the lapsed ones.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBindLeases } from '../../../src/workers/redis-bind-leases';
import { deleteKeys } from '../../helpers/redis-keys';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const extra: Redis[] = [];
const prefix = `{tbl${randomBytes(4).toString('hex')}}`;
const TTL = 60_000;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await deleteKeys(REDIS_URL, `${prefix}*`);
  for (const client of extra) client.disconnect();
  redis.disconnect();
});

const slotKey = (carrierId: string, slot: number): string => `${prefix}:bind:${carrierId}:${slot}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Who holds each slot of a carrier, straight from Redis (null when free). */
async function holdersOf(carrierId: string, slots: number): Promise<Array<string | null>> {
  return Promise.all(Array.from({ length: slots }, (_, slot) => redis.get(slotKey(carrierId, slot))));
}

/** A lease source on its own connection, as another process would have. */
function otherProcess(): RedisBindLeases {
  const client = redis.duplicate();
  extra.push(client);
  return new RedisBindLeases(client, prefix);
}

describe('RedisBindLeases', () => {
  it('takes free slots lowest first up to want; a second owner gets only the remaining free ones', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    expect(await leases.claim('c-take', 5, 'A', 2, TTL)).toEqual([0, 1]);
    expect(await leases.claim('c-take', 5, 'B', 4, TTL)).toEqual([2, 3, 4]);
    expect(await leases.claim('c-take', 5, 'C', 1, TTL)).toEqual([]);
    expect(await holdersOf('c-take', 5)).toEqual(['A', 'A', 'B', 'B', 'B']);
    // No key beyond the slot count was touched.
    expect(await redis.exists(slotKey('c-take', 5))).toBe(0);
  });

  it('returns the held slots ascending, the renewed ones and the new ones together', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    expect(await leases.claim('c-order', 4, 'B', 2, TTL)).toEqual([0, 1]);
    expect(await leases.claim('c-order', 4, 'A', 1, TTL)).toEqual([2]);
    await leases.release('c-order', 0, 'B');
    await leases.release('c-order', 1, 'B');
    // A already holds 2, then takes 0 and 1: reported in slot order, not in the order taken.
    expect(await leases.claim('c-order', 4, 'A', 3, TTL)).toEqual([0, 1, 2]);
    expect(await holdersOf('c-order', 4)).toEqual(['A', 'A', 'A', null]);
  });

  it('never hands out more slots than the carrier has, however many owners claim at once', async () => {
    const owners = Array.from({ length: 6 }, (_, i) => ({ id: `P${i}`, leases: otherProcess() }));
    const claimed = await Promise.all(owners.map((o) => o.leases.claim('c-race', 4, o.id, 3, TTL)));
    const all = claimed.flat();
    expect(all).toHaveLength(4);
    expect(new Set(all).size).toBe(4); // each slot to exactly one owner
    const holders = await holdersOf('c-race', 4);
    claimed.forEach((slots, i) => {
      for (const slot of slots) expect(holders[slot]).toBe(owners[i]!.id);
    });
    // A second round changes nothing: every slot is held and renewed by its owner.
    const again = await Promise.all(owners.map((o) => o.leases.claim('c-race', 4, o.id, 4, TTL)));
    expect(again).toEqual(claimed);
  });

  it('renews the leases its owner holds on each claim', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    expect(await leases.claim('c-renew', 3, 'A', 2, TTL)).toEqual([0, 1]);
    await redis.pexpire(slotKey('c-renew', 0), 1_000);
    await redis.pexpire(slotKey('c-renew', 1), 1_000);
    expect(await leases.claim('c-renew', 3, 'A', 2, TTL)).toEqual([0, 1]);
    for (const slot of [0, 1]) expect(await redis.pttl(slotKey('c-renew', slot))).toBeGreaterThan(TTL - 5_000);
    expect(await redis.exists(slotKey('c-renew', 2))).toBe(0); // already at want: took no more
  });

  it('keeps (and renews) slots held beyond want: a claim never gives slots away', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    expect(await leases.claim('c-keep', 4, 'A', 3, TTL)).toEqual([0, 1, 2]);
    for (const slot of [0, 1, 2]) await redis.pexpire(slotKey('c-keep', slot), 1_000);
    expect(await leases.claim('c-keep', 4, 'A', 1, TTL)).toEqual([0, 1, 2]);
    expect(await leases.claim('c-keep', 4, 'A', 0, TTL)).toEqual([0, 1, 2]);
    for (const slot of [0, 1, 2]) expect(await redis.pttl(slotKey('c-keep', slot))).toBeGreaterThan(TTL - 5_000);
    expect(await holdersOf('c-keep', 4)).toEqual(['A', 'A', 'A', null]);
  });

  it('releases a slot only for the owner still holding it', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    expect(await leases.claim('c-rel', 2, 'A', 2, TTL)).toEqual([0, 1]);
    await leases.release('c-rel', 0, 'B'); // not B's
    expect(await holdersOf('c-rel', 2)).toEqual(['A', 'A']);
    await leases.release('c-rel', 0, 'A');
    expect(await holdersOf('c-rel', 2)).toEqual([null, 'A']);
    expect(await leases.claim('c-rel', 2, 'B', 2, TTL)).toEqual([0]);
    await leases.release('c-rel', 0, 'A'); // A gave it back already; now B's
    expect(await holdersOf('c-rel', 2)).toEqual(['B', 'A']);
  });

  it('lets a lease that is not renewed expire, for another owner to claim', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    const other = otherProcess();
    expect(await leases.claim('c-exp', 2, 'A', 2, 300)).toEqual([0, 1]);
    expect(await other.claim('c-exp', 2, 'B', 2, TTL)).toEqual([]);
    await sleep(500);
    expect(await other.claim('c-exp', 2, 'B', 2, TTL)).toEqual([0, 1]);
    // A's late claim finds nothing of its own left and nothing free.
    expect(await leases.claim('c-exp', 2, 'A', 2, 300)).toEqual([]);
    expect(await holdersOf('c-exp', 2)).toEqual(['B', 'B']);
  });

  it('lists the live owners at each heartbeat, dropping one whose heartbeat lapsed and one that left', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    const other = otherProcess();
    expect(await leases.heartbeat('hb-A', TTL)).toEqual(['hb-A']);
    expect((await other.heartbeat('hb-B', 300)).sort()).toEqual(['hb-A', 'hb-B']);
    expect((await other.heartbeat('hb-C', TTL)).sort()).toEqual(['hb-A', 'hb-B', 'hb-C']);
    await sleep(500); // hb-B's heartbeat ran out
    expect((await leases.heartbeat('hb-A', TTL)).sort()).toEqual(['hb-A', 'hb-C']);
    await other.leave('hb-C');
    expect(await leases.heartbeat('hb-A', TTL)).toEqual(['hb-A']);
    // The owners' set itself expires if every process stops.
    expect(await redis.pttl(`${prefix}:bind-owners`)).toBeGreaterThan(0);
  });

  it('claims nothing, and touches no key, for a carrier with no slots', async () => {
    const leases = new RedisBindLeases(redis, prefix);
    expect(await leases.claim('c-none', 0, 'A', 2, TTL)).toEqual([]);
    expect(await redis.keys(`${prefix}:bind:c-none:*`)).toEqual([]);
  });
});
