import { describe, expect, it } from 'vitest';
import { SlotQueue } from '../../../src/carriers/slot-queue';

describe('the carrier slot queue', () => {
  it('grants up to the capacity at once, then serves waiters first come first served as slots free', async () => {
    const q = new SlotQueue(() => 2);
    expect(await Promise.all([q.acquire(100), q.acquire(100)])).toEqual([true, true]);
    const order: string[] = [];
    const a = q.acquire(1_000).then((ok) => order.push(`a:${ok}`));
    const b = q.acquire(1_000).then((ok) => order.push(`b:${ok}`));
    q.release();
    q.release();
    await Promise.all([a, b]);
    expect(order).toEqual(['a:true', 'b:true']);
    expect(q.inUse).toBe(2);
  });

  it('sends a waiter away empty-handed after maxWaitMs, and wakes waiters when the capacity grows', async () => {
    let capacity = 0;
    const q = new SlotQueue(() => capacity);
    expect(await q.acquire(20)).toBe(false);
    const waiting = q.acquire(1_000);
    capacity = 1;
    q.wake();
    expect(await waiting).toBe(true);
    const cleared = q.acquire(1_000);
    q.clear();
    expect(await cleared).toBe(false);
  });
});
