import { describe, expect, it } from 'vitest';
import { AppThrottle } from '../../../src/pipeline/throttle';

describe('app throttle', () => {
  it('allows a second of traffic, then refuses with a Retry-After, then refills', () => {
    let now = 0;
    const t = new AppThrottle(() => now);
    expect(t.take('a', 10, 10).allowed).toBe(true);
    const refused = t.take('a', 10, 1);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
    now = 500;
    expect(t.take('a', 10, 5).allowed).toBe(true);
    expect(t.take('a', 10, 1).allowed).toBe(false);
  });

  it('lets a request bigger than the bucket through only from a full bucket, leaving it in debt', () => {
    let now = 0;
    const t = new AppThrottle(() => now);
    expect(t.take('a', 100, 1000).allowed).toBe(true);
    now = 5_000;
    expect(t.take('a', 100, 1).allowed).toBe(false); // 500 of the 900 owed repaid
    now = 10_001;
    expect(t.take('a', 100, 1).allowed).toBe(true);
  });

  it('keeps apps apart', () => {
    const t = new AppThrottle(() => 0);
    expect(t.take('a', 1, 1).allowed).toBe(true);
    expect(t.take('b', 1, 1).allowed).toBe(true);
    expect(t.take('a', 1, 1).allowed).toBe(false);
  });
});
