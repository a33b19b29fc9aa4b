import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../../src/carriers/reconnect-backoff';

describe('reconnectDelayMs', () => {
  it('doubles from the initial delay up to the maximum, jittered between half and all of it', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([0, 1, 2, 3].map((a) => reconnectDelayMs(a, 250, 30_000, low))).toEqual([125, 250, 500, 1_000]);
    expect(reconnectDelayMs(0, 250, 30_000, high)).toBeCloseTo(250, 3);
    expect(reconnectDelayMs(20, 250, 30_000, low)).toBe(15_000);
    expect(reconnectDelayMs(1_000, 250, 30_000, high)).toBeCloseTo(30_000, 1);
  });
});
