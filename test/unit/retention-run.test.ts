import { describe, expect, it } from 'vitest';
import { partitionSuffix, type Month } from '../../src/retention/months';
import { runRetention, type RetentionStore } from '../../src/retention/retention';

function fakeStore(months: Month[], options: { partitioned?: boolean; failCreate?: string; defaultRows?: number; sideRows?: { mo: number; unmatchedReceipts: number; batches: number } } = {}) {
  const calls: string[] = [];
  const side = { mo: 0, unmatchedReceipts: 0, batches: 0, ...options.sideRows };
  const sideCutoffs: Date[] = [];
  let present = [...months];
  let defaultRows = options.defaultRows ?? 0;
  const store: RetentionStore = {
    partitioned: async () => options.partitioned ?? true,
    months: async () => [...present],
    createMonth: async (m) => {
      if (partitionSuffix(m) === options.failCreate) throw new Error('default partition holds rows of this month');
      calls.push(`create ${partitionSuffix(m)}`);
      present.push(m);
    },
    dropMonth: async (m) => {
      calls.push(`drop ${partitionSuffix(m)}`);
      present = present.filter((p) => partitionSuffix(p) !== partitionSuffix(m));
      return { messages: 7 };
    },
    deleteOldDefault: async (_before, limit) => {
      const n = Math.min(limit, defaultRows);
      defaultRows -= n;
      return n;
    },
    deleteOldRollups: async () => 3,
    deleteOldSideRows: async (before, limit) => {
      sideCutoffs.push(before);
      const take = (k: keyof typeof side) => {
        const n = Math.min(limit, side[k]);
        side[k] -= n;
        return n;
      };
      return { mo: take('mo'), unmatchedReceipts: take('unmatchedReceipts'), batches: take('batches') };
    },
  };
  return { store, calls, side, sideCutoffs };
}

const now = new Date(Date.UTC(2026, 10, 24));
const m = (year: number, month: number): Month => ({ year, month });

describe('a retention run', () => {
  it('creates the missing partitions of this month and the next three, and drops nothing when retention is 0', async () => {
    const { store, calls } = fakeStore([m(2020, 1), m(2026, 11)]);
    const report = await runRetention(store, { retentionDays: 0, now });
    expect(calls).toEqual(['create p2026_12', 'create p2027_01', 'create p2027_02']);
    expect(report.dropped).toEqual([]);
  });

  it('drops the months that ended more than the retention ago, never the current one, and old default rows in batches', async () => {
    const { store, calls } = fakeStore([m(2026, 7), m(2026, 8), m(2026, 9), m(2026, 10), m(2026, 11), m(2026, 12), m(2027, 1), m(2027, 2)], { defaultRows: 2500 });
    const report = await runRetention(store, { retentionDays: 60, now, batchSize: 1000 });
    // August ended 84 days ago, September 54: with 60 days July and August go.
    expect(calls).toEqual(['drop p2026_07', 'drop p2026_08']);
    expect(report).toMatchObject({ defaultDeleted: 2500, rollupsDeleted: 3, failures: [] });
    expect(report.dropped.map((d) => d.messages)).toEqual([7, 7]);

    const huge = fakeStore([m(2026, 11), m(2026, 12), m(2027, 1), m(2027, 2)]);
    await runRetention(huge.store, { retentionDays: 1, now: new Date(Date.UTC(2026, 11, 31)) });
    expect(huge.calls.filter((c) => c.startsWith('drop'))).toEqual(['drop p2026_11']);
  });

  it('deletes old MO messages, unmatched receipts and emptied batches by the retention cutoff, in bounded rounds, and none without a retention', async () => {
    const { store, side, sideCutoffs } = fakeStore([m(2026, 11), m(2026, 12), m(2027, 1), m(2027, 2)], { sideRows: { mo: 2500, unmatchedReceipts: 10, batches: 1200 } });
    const report = await runRetention(store, { retentionDays: 30, now, batchSize: 1000 });
    expect(report.sideRowsDeleted).toEqual({ mo: 2500, unmatchedReceipts: 10, batches: 1200 });
    expect(side).toEqual({ mo: 0, unmatchedReceipts: 0, batches: 0 });
    expect(sideCutoffs).toHaveLength(3);
    for (const cutoff of sideCutoffs) expect(cutoff).toEqual(new Date(now.getTime() - 30 * 86_400_000));

    const bounded = fakeStore([m(2026, 11)], { sideRows: { mo: 50_000, unmatchedReceipts: 0, batches: 0 } });
    expect((await runRetention(bounded.store, { retentionDays: 30, now, batchSize: 1000, maxBatches: 4 })).sideRowsDeleted.mo).toBe(4000);

    const keepAll = fakeStore([m(2026, 11)], { sideRows: { mo: 5, unmatchedReceipts: 5, batches: 5 } });
    expect((await runRetention(keepAll.store, { retentionDays: 0, now })).sideRowsDeleted).toEqual({ mo: 0, unmatchedReceipts: 0, batches: 0 });
    expect(keepAll.sideCutoffs).toEqual([]);
  });

  it('reports a month it could not create and goes on; does nothing before the partitioning migration', async () => {
    const { store, calls } = fakeStore([m(2026, 11)], { failCreate: 'p2026_12' });
    const report = await runRetention(store, { retentionDays: 0, now });
    expect(report.failures.map((f) => partitionSuffix(f.month))).toEqual(['p2026_12']);
    expect(calls).toEqual(['create p2027_01', 'create p2027_02']);

    const before = fakeStore([], { partitioned: false });
    expect(await runRetention(before.store, { retentionDays: 30, now })).toMatchObject({ created: [], dropped: [] });
    expect(before.calls).toEqual([]);
  });
});
