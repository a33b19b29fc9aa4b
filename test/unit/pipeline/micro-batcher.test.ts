import { afterEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher } from '../../../src/pipeline/micro-batcher';

afterEach(() => vi.useRealTimers());

describe('micro-batcher', () => {
  it('flushes a full batch at once, in one call, with results in order', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher<number, number>({ maxItems: 3, maxWaitMs: 10_000, flush: async (items) => (calls.push([...items]), items.map((x) => x * 2)) });
    const results = await Promise.all([b.add(1), b.add(2), b.add(3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('a lone item waits at most maxWaitMs', async () => {
    vi.useFakeTimers();
    const b = new MicroBatcher<number, number>({ maxItems: 100, maxWaitMs: 5, flush: async (items) => items });
    const done = b.add(7);
    await vi.advanceTimersByTimeAsync(4);
    let settled = false;
    void done.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(7);
  });

  it('keeps the items of one addAll together and fails every caller of a failed batch', async () => {
    const b = new MicroBatcher<number, number>({ maxItems: 2, maxWaitMs: 1, flush: async () => Promise.reject(new Error('db down')) });
    await expect(b.addAll([1, 2, 3])).rejects.toThrow('db down');
    await expect(b.add(4)).rejects.toThrow('db down');
  });

  it('drain flushes what is pending', async () => {
    const seen: number[] = [];
    const b = new MicroBatcher<number, number>({ maxItems: 100, maxWaitMs: 60_000, flush: async (items) => (seen.push(...items), items) });
    const p = b.add(1);
    await b.drain();
    expect(await p).toBe(1);
    expect(seen).toEqual([1]);
  });
});

describe('micro-batcher under load (group commit)', () => {
  it('while flushes are in flight, new items gather into the next batch', async () => {
    const sizes: number[] = [];
    const gates: Array<() => void> = [];
    const b = new MicroBatcher<number, number>({
      maxItems: 1000,
      maxWaitMs: 1,
      maxConcurrentFlushes: 1,
      flush: (items) =>
        new Promise((resolve) => {
          sizes.push(items.length);
          gates.push(() => resolve(items));
        }),
    });
    const first = b.add(0);
    await new Promise((r) => setTimeout(r, 5)); // the first batch is now in flight
    const rest = Array.from({ length: 50 }, (_, i) => b.add(i + 1));
    await new Promise((r) => setTimeout(r, 5));
    expect(sizes).toEqual([1]); // nothing else went out while the first flush ran
    gates.shift()!();
    await first;
    await new Promise((r) => setTimeout(r, 5));
    expect(sizes).toEqual([1, 50]);
    gates.shift()!();
    expect(await Promise.all(rest)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('never splits one addAll, and splits the queue at maxItems', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>({ maxItems: 3, maxWaitMs: 1, maxConcurrentFlushes: 1, flush: async (items) => (sizes.push(items.length), items) });
    await Promise.all([b.addAll([1, 2]), b.addAll([3, 4]), b.addAll([5, 6, 7, 8])]);
    expect(sizes).toEqual([2, 2, 4]);
  });
});
