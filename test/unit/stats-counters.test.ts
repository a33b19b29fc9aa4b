/** ClusterTotals: per-process cumulative counters become one monotonic deployment total. */
import { describe, expect, it } from 'vitest';
import { ClusterTotals, type StatsCounters } from '../../src/metrics/stats-counters';

const c = (accepted: number, submitted: number, delivered: number): StatsCounters => ({ accepted, submitted, final: { delivered } });

describe('ClusterTotals', () => {
  it('sums the processes, adds only increments after the first sight, and keeps what a stopped process counted', () => {
    const totals = new ClusterTotals();
    expect(totals.add(new Map([['edge', c(5, 0, 0)], ['workers', c(0, 4, 3)]]), 0)).toEqual(c(5, 4, 3));
    expect(totals.add(new Map([['edge', c(7, 0, 0)], ['workers', c(0, 6, 5)]]), 1000)).toEqual(c(7, 6, 5));
    // The workers process stops publishing: nothing goes backwards.
    expect(totals.add(new Map([['edge', c(8, 0, 0)]]), 2000)).toEqual(c(8, 6, 5));
    // A new workers process starts from zero; its counts add on.
    expect(totals.add(new Map([['edge', c(8, 0, 0)], ['workers-2', c(0, 1, 1)]]), 3000)).toEqual(c(8, 7, 6));
    // A process whose counters went down (restarted under the same id) never subtracts.
    expect(totals.add(new Map([['edge', c(2, 0, 0)], ['workers-2', c(0, 1, 1)]]), 4000)).toEqual(c(8, 7, 6));
  });

  it('forgets processes unseen for longer than forgetAfterMs', () => {
    const totals = new ClusterTotals(10_000);
    totals.add(new Map([['a', c(3, 0, 0)]]), 0);
    totals.add(new Map(), 20_000);
    // Seen again after being forgotten: counted as a new process (its counters in full).
    expect(totals.add(new Map([['a', c(4, 0, 0)]]), 21_000)).toEqual(c(7, 0, 0));
  });
});
