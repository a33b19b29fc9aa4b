/**
 * How a carrier's bind slots are split over the processes sharing it: the
 * shares add up to the slots whatever the holders, differ by at most one,
 * the extra ones go to the first holders in id order, and a process counts
 * itself even before its heartbeat shows up; the excess to give back is
 * the highest slots held.
 */
import { describe, expect, it } from 'vitest';
import { bindShare, excessSlots } from '../../../src/carriers/bind-share';

const IDS = ['w-3f', 'w-0a', 'w-c1', 'w-7e', 'w-b2'];

/** A deterministic shuffle (small LCG), so a failure replays the same order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('bindShare', () => {
  it('gives shares that add up to the slots, each the floor or ceiling of the even split, whatever the holders order', () => {
    for (let slots = 0; slots <= 7; slots++) {
      for (let n = 1; n <= 5; n++) {
        const holders = IDS.slice(0, n);
        for (let seed = 1; seed <= 4; seed++) {
          const order = shuffled(holders, seed * 31 + slots * 7 + n);
          const shares = holders.map((me) => bindShare(slots, order, me));
          expect(shares.reduce((a, b) => a + b, 0), `slots ${slots}, holders ${order.join(',')}`).toBe(slots);
          for (const share of shares) expect([Math.floor(slots / n), Math.ceil(slots / n)]).toContain(share);
        }
      }
    }
  });

  it('gives the extra slots to the first holders in sorted id order, not in the order listed', () => {
    for (let slots = 0; slots <= 7; slots++) {
      for (let n = 1; n <= 5; n++) {
        const order = shuffled(IDS.slice(0, n), slots * 5 + n);
        const sorted = [...order].sort();
        sorted.forEach((me, rank) => {
          const expected = Math.floor(slots / n) + (rank < slots % n ? 1 : 0);
          expect(bindShare(slots, order, me), `${me} of ${order.join(',')} with ${slots} slots`).toBe(expected);
        });
      }
    }
    // A concrete case: 5 slots over c, a, b -> a and b take 2, c takes 1.
    expect(['a', 'b', 'c'].map((me) => bindShare(5, ['c', 'a', 'b'], me))).toEqual([2, 2, 1]);
  });

  it('counts me as a holder when the holders list misses it', () => {
    // Holders b, c plus me (a): three holders, a first in id order -> 2, 1, 1.
    expect(bindShare(4, ['c', 'b'], 'a')).toBe(2);
    // Holders a, b plus me (c): c last -> 1 (not the 2 it would get as one of two).
    expect(bindShare(4, ['b', 'a'], 'c')).toBe(1);
    // A newcomer not yet listed gets the share it will have once listed.
    for (let slots = 0; slots <= 7; slots++) {
      expect(bindShare(slots, ['w-b2', 'w-0a'], 'w-7e')).toBe(bindShare(slots, ['w-b2', 'w-0a', 'w-7e'], 'w-7e'));
    }
    // No holders seen yet: me alone takes everything.
    expect(bindShare(3, [], 'w-0a')).toBe(3);
  });

  it('gives every slot to a single holder', () => {
    for (let slots = 0; slots <= 7; slots++) expect(bindShare(slots, ['only'], 'only')).toBe(slots);
  });
});

describe('excessSlots', () => {
  it('returns the highest held slots first, as many as are held beyond the share', () => {
    expect(excessSlots([0, 3, 1, 2], 2)).toEqual([3, 2]);
    expect(excessSlots([5, 1, 4], 1)).toEqual([5, 4]);
    expect(excessSlots([2, 0, 6, 1], 0)).toEqual([6, 2, 1, 0]);
  });

  it('returns nothing when the held slots fit within the share', () => {
    expect(excessSlots([0, 1], 2)).toEqual([]);
    expect(excessSlots([0, 1], 5)).toEqual([]);
    expect(excessSlots([], 0)).toEqual([]);
  });

  it('leaves the held list as it was', () => {
    const held = [0, 3, 1];
    excessSlots(held, 1);
    expect(held).toEqual([0, 3, 1]);
  });
});
