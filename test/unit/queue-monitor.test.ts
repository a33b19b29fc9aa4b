/** The queue monitor's arithmetic over its samples: completed rate and backlog growth. */
import { describe, expect, it } from 'vitest';
import { backlogGrowing, completedPerMinute } from '../../src/workers/queue-monitor';

const at = (s: number, waiting: number, completedTotal = 0) => ({ atMs: s * 1000, waiting, completedTotal });

describe('completedPerMinute', () => {
  it('is the growth of the completed total over the samples, per minute', () => {
    expect(completedPerMinute([at(0, 0, 100), at(15, 0, 130), at(30, 0, 160)])).toBe(120);
    expect(completedPerMinute([at(0, 0, 7), at(45, 0, 10)])).toBe(4);
  });

  it('is null with fewer than two samples, and never negative (a reset total)', () => {
    expect(completedPerMinute([])).toBeNull();
    expect(completedPerMinute([at(0, 0, 5)])).toBeNull();
    expect(completedPerMinute([at(0, 0, 50), at(60, 0, 0)])).toBe(0);
  });
});

describe('backlogGrowing', () => {
  it('is true when waiting never fell over the window and ended higher', () => {
    expect(backlogGrowing([at(0, 1), at(15, 3), at(30, 3), at(45, 8)], 4)).toBe(true);
  });

  it('is false when waiting fell once, stayed flat, or the window is not full yet', () => {
    expect(backlogGrowing([at(0, 1), at(15, 5), at(30, 4), at(45, 8)], 4)).toBe(false);
    expect(backlogGrowing([at(0, 6), at(15, 6), at(30, 6), at(45, 6)], 4)).toBe(false);
    expect(backlogGrowing([at(0, 1), at(15, 2), at(30, 3)], 4)).toBe(false);
  });
});
