import { describe, expect, it } from 'vitest';
import { AuthFailureLimit } from '../../../src/http/auth-failures';

describe('failed-authentication limit per address', () => {
  it('blocks an address after maxFailures in the window, until the window ends', () => {
    let now = 0;
    const limit = new AuthFailureLimit({ maxFailures: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 2; i++) limit.recordFailure('10.0.0.1');
    expect(limit.blockedForSeconds('10.0.0.1')).toBe(0);
    limit.recordFailure('10.0.0.1');
    expect(limit.blockedForSeconds('10.0.0.1')).toBe(60);
    expect(limit.blockedForSeconds('10.0.0.2')).toBe(0);
    now = 59_500;
    expect(limit.blockedForSeconds('10.0.0.1')).toBe(1);
    now = 60_000;
    expect(limit.blockedForSeconds('10.0.0.1')).toBe(0);
  });

  it('keeps memory bounded by evicting the oldest address', () => {
    const limit = new AuthFailureLimit({ maxFailures: 1, maxTrackedAddresses: 2 }, () => 0);
    limit.recordFailure('a');
    limit.recordFailure('b');
    limit.recordFailure('c');
    expect(limit.blockedForSeconds('a')).toBe(0);
    expect(limit.blockedForSeconds('b')).toBeGreaterThan(0);
    expect(limit.blockedForSeconds('c')).toBeGreaterThan(0);
  });
});
