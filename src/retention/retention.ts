/**
 * Retention: keep the coming months' partitions ready, and drop the months
 * whose every message is older than MESSAGE_RETENTION_DAYS (0 = keep
 * forever), with their events and parts; delete old rows of the default
 * partition (ids that are not UUIDv7) by created_at, in bounded batches; and
 * the hourly report rollups of the dropped period; and, by the same age,
 * inbound (MO) messages, unmatched receipts and campaign batches none of
 * whose messages is left. Ledger rows are never deleted, so the ledger
 * still sums to every balance.
 *
 * Idempotent: a run after a crash creates nothing twice and drops only what
 * is still there. One run does a bounded amount of work.
 */
import { addMonths, monthExpired, monthOf, monthsBetween, monthStart, type Month } from './months';

export interface RetentionStore {
  /** False until migration 009 ran (then retention does nothing). */
  partitioned(): Promise<boolean>;
  months(): Promise<Month[]>;
  createMonth(month: Month): Promise<void>;
  dropMonth(month: Month): Promise<{ messages: number }>;
  /** Deletes up to `limit` default-partition messages created before `before`; returns how many. */
  deleteOldDefault(before: Date, limit: number): Promise<number>;
  deleteOldRollups(before: Date): Promise<number>;
  /** Up to `limit` rows per table of MO messages, unmatched receipts and emptied batches older than `before`. */
  deleteOldSideRows(before: Date, limit: number): Promise<{ mo: number; unmatchedReceipts: number; batches: number }>;
}

export interface RetentionOptions {
  /** 0 keeps everything. */
  readonly retentionDays: number;
  readonly now: Date;
  /** Months ahead of the current one that must have partitions (default 3). */
  readonly monthsAhead?: number;
  /** Default-partition rows per transaction (default 1,000) and transactions per run (default 20). */
  readonly batchSize?: number;
  readonly maxBatches?: number;
}

export interface RetentionReport {
  readonly created: Month[];
  readonly dropped: Array<{ month: Month; messages: number }>;
  readonly defaultDeleted: number;
  readonly rollupsDeleted: number;
  /** MO messages, unmatched receipts and batches deleted. */
  readonly sideRowsDeleted: { mo: number; unmatchedReceipts: number; batches: number };
  /** Months whose partition could not be created (e.g. the default partition already holds rows of that month). */
  readonly failures: Array<{ month: Month; error: string }>;
}

export async function runRetention(store: RetentionStore, options: RetentionOptions): Promise<RetentionReport> {
  const report: RetentionReport = { created: [], dropped: [], defaultDeleted: 0, rollupsDeleted: 0, sideRowsDeleted: { mo: 0, unmatchedReceipts: 0, batches: 0 }, failures: [] };
  if (!(await store.partitioned())) return report;
  const current = monthOf(options.now);
  const existing = await store.months();
  const have = new Set(existing.map(key));
  for (const month of monthsBetween(current, addMonths(current, options.monthsAhead ?? 3))) {
    if (have.has(key(month))) continue;
    try {
      await store.createMonth(month);
      report.created.push(month);
    } catch (error) {
      report.failures.push({ month, error: (error as Error).message });
    }
  }
  if (options.retentionDays <= 0) return report;

  // Never the current month, whatever the retention says.
  for (const month of existing) {
    if (key(month) >= key(current) || !monthExpired(month, options.retentionDays, options.now)) continue;
    const dropped = await store.dropMonth(month);
    report.dropped.push({ month, messages: dropped.messages });
  }
  const cutoff = new Date(options.now.getTime() - options.retentionDays * 86_400_000);
  const batchSize = options.batchSize ?? 1000;
  let defaultDeleted = 0;
  for (let i = 0; i < (options.maxBatches ?? 20); i++) {
    const n = await store.deleteOldDefault(cutoff, batchSize);
    defaultDeleted += n;
    if (n < batchSize) break;
  }
  // Rollups go with the months dropped: up to the start of the oldest month still kept.
  const kept = (await store.months())[0];
  const rollupCutoff = kept && monthStart(kept) < cutoff ? monthStart(kept) : cutoff;
  const rollupsDeleted = await store.deleteOldRollups(rollupCutoff);
  // After the months: a batch goes once its messages are gone.
  const side = { mo: 0, unmatchedReceipts: 0, batches: 0 };
  for (let i = 0; i < (options.maxBatches ?? 20); i++) {
    const n = await store.deleteOldSideRows(cutoff, batchSize);
    side.mo += n.mo;
    side.unmatchedReceipts += n.unmatchedReceipts;
    side.batches += n.batches;
    if (Math.max(n.mo, n.unmatchedReceipts, n.batches) < batchSize) break;
  }
  return { ...report, defaultDeleted, rollupsDeleted, sideRowsDeleted: side };
}

const key = (m: Month): number => m.year * 12 + m.month;
