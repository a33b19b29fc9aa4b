import { describe, expect, it } from 'vitest';
import { MAX_SCHEDULE_AHEAD_MS, resolveScheduleAt, validUntilOf } from '../../../src/campaigns/schedule';

const now = new Date('2026-11-25T00:00:00Z');

describe('scheduleAt', () => {
  it('absent means now', () => {
    expect(resolveScheduleAt(undefined, now)).toBeNull();
  });

  it('a future instant with an offset is the release time', () => {
    expect(resolveScheduleAt('2026-11-25T04:30:00+03:30', now)?.toISOString()).toBe('2026-11-25T01:00:00.000Z');
    expect(resolveScheduleAt('2026-11-26T00:00:00Z', now)?.toISOString()).toBe('2026-11-26T00:00:00.000Z');
  });

  it('now or up to 60 s in the past means now; earlier is an error', () => {
    expect(resolveScheduleAt('2026-11-25T00:00:00Z', now)).toBeNull();
    expect(resolveScheduleAt('2026-11-24T23:59:01Z', now)).toBeNull();
    expect(() => resolveScheduleAt('2026-11-24T23:58:59Z', now)).toThrow(/in the past/);
  });

  it('at most 35 days ahead', () => {
    expect(resolveScheduleAt(new Date(now.getTime() + MAX_SCHEDULE_AHEAD_MS).toISOString(), now)).not.toBeNull();
    expect(() => resolveScheduleAt(new Date(now.getTime() + MAX_SCHEDULE_AHEAD_MS + 1000).toISOString(), now)).toThrow(/35 days/);
  });

  it('needs an offset and a real instant', () => {
    for (const raw of ['2026-12-01T09:00:00', 'tomorrow', '2026-13-01T00:00:00Z', '']) {
      expect(() => resolveScheduleAt(raw, now), raw).toThrow(/ISO 8601/);
    }
  });

  it('validity counts from the release time', () => {
    const at = new Date('2026-11-26T00:00:00Z');
    expect(validUntilOf(at, now, 600).toISOString()).toBe('2026-11-26T00:10:00.000Z');
    expect(validUntilOf(null, now, 600).toISOString()).toBe('2026-11-25T00:10:00.000Z');
  });
});
