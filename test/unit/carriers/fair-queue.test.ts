/**
 * Who goes next at a carrier: express before normal, round robin across
 * accounts within a lane, FIFO within an account, removed items skipped.
 */
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../../src/carriers/fair-queue';

function drain<T>(queue: FairQueue<T>): T[] {
  const out: T[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
  return out;
}

describe('FairQueue', () => {
  it('takes one item per account in turn, each account in its own order', () => {
    const q = new FairQueue<string>();
    for (let i = 1; i <= 4; i++) q.push('normal', 'A', `a${i}`);
    q.push('normal', 'B', 'b1');
    q.push('normal', 'B', 'b2');
    q.push('normal', 'C', 'c1');
    expect(drain(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    expect(q.size).toBe(0);
  });

  it('serves the express lane before the normal one, whoever queued first', () => {
    const q = new FairQueue<string>();
    for (let i = 1; i <= 3; i++) q.push('normal', 'A', `a${i}`);
    q.push('express', 'B', 'B1');
    q.push('express', 'A', 'A1');
    q.push('express', 'B', 'B2');
    expect(q.shift()).toBe('B1');
    q.push('express', 'C', 'C1');
    expect(drain(q)).toEqual(['A1', 'B2', 'C1', 'a1', 'a2', 'a3']);
  });

  it('lets a newcomer in after at most one item of each account already waiting', () => {
    const q = new FairQueue<string>();
    for (let i = 0; i < 10_000; i++) q.push('normal', 'A', `a${i}`);
    expect(q.shift()).toBe('a0');
    q.push('normal', 'B', 'b0');
    expect([q.shift(), q.shift()]).toEqual(['a1', 'b0']);
    expect(q.size).toBe(9_998);
  });

  it('keeps FIFO order within an account across many pushes and shifts (the head index compacts)', () => {
    const q = new FairQueue<number>();
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.push('normal', 'A', next++);
      for (let i = 0; i < 200; i++) seen.push(q.shift()!);
    }
    seen.push(...drain(q));
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('skips removed items (lazily) and counts them out of its size when it meets them', () => {
    const removed = new Set(['a2', 'b1', 'b2']);
    const q = new FairQueue<string>((item) => !removed.has(item));
    for (const item of ['a1', 'a2', 'a3']) q.push('normal', 'A', item);
    q.push('normal', 'B', 'b1');
    q.push('normal', 'B', 'b2');
    q.push('express', 'C', 'c1');
    expect(q.size).toBe(6);
    expect(drain(q)).toEqual(['c1', 'a1', 'a3']);
    expect(q.size).toBe(0);
  });

  it('says whether a live express item waits, dropping removed ones it meets', () => {
    const removed = new Set(['e1']);
    const q = new FairQueue<string>((item) => !removed.has(item));
    q.push('normal', 'A', 'a1');
    expect(q.hasExpress()).toBe(false);
    q.push('express', 'B', 'e1');
    expect(q.hasExpress()).toBe(false); // e1 was removed: dropped and counted out
    expect(q.size).toBe(1);
    q.push('express', 'B', 'e2');
    expect(q.hasExpress()).toBe(true);
    expect(drain(q)).toEqual(['e2', 'a1']);
  });

  it('answers undefined when empty, and an account that drained rejoins at the back', () => {
    const q = new FairQueue<string>();
    expect(q.shift()).toBeUndefined();
    q.push('normal', 'A', 'a1');
    q.push('normal', 'B', 'b1');
    q.push('normal', 'B', 'b2');
    expect(q.shift()).toBe('a1');
    q.push('normal', 'A', 'a2');
    expect(drain(q)).toEqual(['b1', 'a2', 'b2']);
  });
});
