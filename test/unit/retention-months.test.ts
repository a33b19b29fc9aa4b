import { describe, expect, it } from 'vitest';
import { newMessageId } from '../../src/core/id';
import { addMonths, monthExpired, monthOf, monthsBetween, monthStartId, parsePartitionSuffix, partitionSuffix } from '../../src/retention/months';

describe('months as UUIDv7 ranges', () => {
  it('bounds every id made in a month between the month start id and the next one', () => {
    const month = { year: 2026, month: 2 };
    const inside = [Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 15, 12), Date.UTC(2026, 2, 1) - 1].map((ms) => newMessageId(ms));
    for (const id of inside) {
      expect(id >= monthStartId(month)).toBe(true);
      expect(id < monthStartId(addMonths(month, 1))).toBe(true);
    }
    expect(monthStartId({ year: 1970, month: 1 })).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('adds months across years and lists ranges inclusively', () => {
    expect(addMonths({ year: 2026, month: 11 }, 3)).toEqual({ year: 2027, month: 2 });
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(monthsBetween({ year: 2026, month: 11 }, { year: 2027, month: 1 }).map(partitionSuffix)).toEqual(['p2026_11', 'p2026_12', 'p2027_01']);
    expect(parsePartitionSuffix('messages_p2026_07')).toEqual({ year: 2026, month: 7 });
    expect(parsePartitionSuffix('messages_default')).toBeUndefined();
    expect(monthOf(new Date(Date.UTC(2026, 0, 31, 23, 59)))).toEqual({ year: 2026, month: 1 });
  });

  it('expires a month only when all of it is older than the retention; 0 keeps forever', () => {
    const now = new Date(Date.UTC(2026, 10, 24));
    // August ended on 1 September: 84 days before now.
    expect(monthExpired({ year: 2026, month: 8 }, 90, now)).toBe(false);
    expect(monthExpired({ year: 2026, month: 8 }, 60, now)).toBe(true);
    expect(monthExpired({ year: 2020, month: 1 }, 0, now)).toBe(false);
  });
});
