import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/carriers/token-bucket';

describe('TokenBucket', () => {
  it('serves a tenth of a second of burst at once, then spaces reservations at the rate', () => {
    const bucket = new TokenBucket(100, 0); // burst 10
    const waits = Array.from({ length: 13 }, () => bucket.reserve(0, 1_000));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits.slice(10)).toEqual([10, 20, 30]);
  });

  it('refuses (and takes nothing) when the wait would exceed maxWaitMs', () => {
    const bucket = new TokenBucket(10, 0); // burst 1, one token per 100 ms
    expect(bucket.reserve(0, 0)).toBe(0);
    expect(bucket.reserve(0, 50)).toBeUndefined();
    expect(bucket.reserve(0, 100)).toBe(100);
  });

  it('refills with time up to the burst', () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.reserve(0, 0)).toBe(0);
    expect(bucket.reserve(10_000, 0)).toBe(0);
    expect(bucket.reserve(10_000, 0)).toBeUndefined();
  });
});
