/**
 * The bind-lease keeper's rules against an in-memory lease source and a
 * recording pool (a pure unit: time is a variable, rounds are called
 * directly). The Redis source itself is tested in
 * test/integration/carriers/bind-leases-redis.test.ts, the whole in
 * bind-slots.test.ts.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BindLeaseKeeper, type LeasedBinds } from '../../../src/carriers/bind-lease-keeper';
import type { BindLeaseSource } from '../../../src/carriers/types';

/** Leases as a map slot-key -> owner (no expiry: the tests decide who holds what). */
function memorySource(holders: string[]) {
  const leases = new Map<string, string>();
  const log: string[] = [];
  const source = {
    leases,
    log,
    holders,
    failing: false,
    async heartbeat() {
      if (source.failing) throw new Error('redis down');
      return [...source.holders];
    },
    async claim(carrierId: string, slots: number, owner: string, want: number) {
      if (source.failing) throw new Error('redis down');
      const held: number[] = [];
      for (let i = 0; i < slots; i++) if (leases.get(`${carrierId}:${i}`) === owner) held.push(i);
      for (let i = 0; i < slots && held.length < want; i++) {
        if (leases.has(`${carrierId}:${i}`)) continue;
        leases.set(`${carrierId}:${i}`, owner);
        held.push(i);
      }
      return held.sort((a, b) => a - b);
    },
    async release(carrierId: string, slot: number, owner: string) {
      log.push(`release ${carrierId}:${slot}`);
      if (leases.get(`${carrierId}:${slot}`) === owner) leases.delete(`${carrierId}:${slot}`);
    },
    async leave() {},
  };
  return source satisfies BindLeaseSource & Record<string, unknown>;
}

function recordingPool(slots: Record<string, number>, log: string[]) {
  const held = new Map<string, readonly number[]>();
  const pool = {
    held,
    slots,
    carrierIds: () => Object.keys(pool.slots),
    slotCount: (id: string) => pool.slots[id] ?? 0,
    async setHeldSlots(id: string, s: readonly number[]) {
      log.push(`bind ${id}:[${s.join(',')}]`);
      held.set(id, [...s]);
    },
  };
  return pool satisfies LeasedBinds & Record<string, unknown>;
}

const logger = pino({ level: 'silent' });

describe('BindLeaseKeeper', () => {
  it('binds its share, and when another process joins unbinds the excess before giving its lease back', async () => {
    const source = memorySource(['a']);
    const pool = recordingPool({ c1: 3 }, source.log);
    const keeper = new BindLeaseKeeper({ source, owner: 'a', pool, logger, ttlMs: 4_000 });
    await keeper.round();
    expect(pool.held.get('c1')).toEqual([0, 1, 2]);

    source.holders.push('b'); // b sorts after a: a keeps 2, b gets 1
    source.log.length = 0;
    await keeper.round();
    expect(pool.held.get('c1')).toEqual([0, 1]);
    expect(source.log).toEqual(['bind c1:[0,1]', 'release c1:2']);
    expect(source.leases.has('c1:2')).toBe(false);
  });

  it('drops a slot another process holds now (its lease was lost) at the next round', async () => {
    const source = memorySource(['a']);
    const pool = recordingPool({ c1: 2 }, source.log);
    const keeper = new BindLeaseKeeper({ source, owner: 'a', pool, logger, ttlMs: 4_000 });
    await keeper.round();
    source.leases.set('c1:1', 'b'); // expired while we stalled, and taken
    await keeper.round();
    expect(pool.held.get('c1')).toEqual([0]);
  });

  it('keeps its binds while Redis fails and the leases may still be valid, and unbinds before they can expire', async () => {
    let now = 0;
    const source = memorySource(['a']);
    const pool = recordingPool({ c1: 2 }, source.log);
    const keeper = new BindLeaseKeeper({ source, owner: 'a', pool, logger, ttlMs: 4_000, now: () => now });
    await keeper.round();
    source.failing = true;
    now = 1_000; // one round (ttl / 4) late: the leases run to 4,000
    await expect(keeper.round()).rejects.toThrow('redis down');
    now = 2_000;
    await expect(keeper.round()).rejects.toThrow('redis down');
    expect(pool.held.get('c1')).toEqual([0, 1]);
    now = 3_000; // the next round (4,000) would be too late to renew
    await expect(keeper.round()).rejects.toThrow('redis down');
    expect(pool.held.get('c1')).toEqual([]);

    source.failing = false; // back: the leases are still ours (or free) and are bound again
    await keeper.round();
    expect(pool.held.get('c1')).toEqual([0, 1]);
  });

  it('gives back the slots of a carrier that left the pool, and of binds lowered', async () => {
    const source = memorySource(['a']);
    const pool = recordingPool({ c1: 3, c2: 1 }, source.log);
    const keeper = new BindLeaseKeeper({ source, owner: 'a', pool, logger, ttlMs: 4_000 });
    await keeper.round();
    pool.slots = { c1: 1 };
    await keeper.round();
    expect([...source.leases.entries()]).toEqual([['c1:0', 'a']]);
    expect(pool.held.get('c1')).toEqual([0]);
  });

  it('unbinds everything, then releases its leases, when stopped', async () => {
    const source = memorySource(['a']);
    const pool = recordingPool({ c1: 2 }, source.log);
    const keeper = new BindLeaseKeeper({ source, owner: 'a', pool, logger, ttlMs: 4_000 });
    await keeper.round();
    source.log.length = 0;
    await keeper.stop();
    expect(source.log).toEqual(['bind c1:[]', 'release c1:0', 'release c1:1']);
    expect(source.leases.size).toBe(0);
  });
});
