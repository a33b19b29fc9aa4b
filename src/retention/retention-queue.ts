/**
 * The retention job on BullMQ: one job scheduler ('retention', every
 * RETENTION_INTERVAL_S) for the whole deployment, whichever workers process
 * runs it; a run is idempotent, so a repeated or overlapping one is harmless.
 * BullMQ runs an `every` scheduler's first job at once, so a fresh deployment gets next months' partitions at start.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  createMonth,
  deleteOldDefaultRows,
  deleteOldRollups,
  dropMonth,
  messagesPartitioned,
  monthPartitions,
} from '../db/partition-store';
import type { Db } from '../db/knex';
import { deleteOldSideRows } from '../db/retention-rows';
import type { Logger } from '../log';
import { runRetention, type RetentionReport, type RetentionStore } from './retention';

const QUEUE = 'retention';
const SCHEDULER = 'retention';

export function pgRetentionStore(db: Db): RetentionStore {
  return {
    partitioned: () => messagesPartitioned(db),
    months: () => monthPartitions(db),
    createMonth: (month) => createMonth(db, month),
    dropMonth: (month) => dropMonth(db, month),
    deleteOldDefault: (before, limit) => deleteOldDefaultRows(db, before, limit),
    deleteOldRollups: (before) => deleteOldRollups(db, before),
    deleteOldSideRows: (before, limit) => deleteOldSideRows(db, before, limit),
  };
}

export interface RetentionJobDeps {
  readonly db: Db;
  /** A BullMQ worker connection (maxRetriesPerRequest: null). */
  readonly connection: Redis;
  /** The hash-tagged queue prefix ({smsgw}). */
  readonly prefix: string;
  readonly retentionDays: number;
  readonly everyMs: number;
  readonly log: Logger;
  readonly now?: () => Date;
  readonly onRun?: (report: RetentionReport) => void;
}

export async function startRetentionJob(deps: RetentionJobDeps): Promise<{ close(): Promise<void> }> {
  const store = pgRetentionStore(deps.db);
  const queue = new Queue(QUEUE, { connection: deps.connection, prefix: deps.prefix });
  queue.on('error', (error) => deps.log.debug({ err: error }, 'retention queue connection error'));
  const worker = new Worker(
    QUEUE,
    async () => {
      const report = await runRetention(store, { retentionDays: deps.retentionDays, now: (deps.now ?? (() => new Date()))() });
      const side = report.sideRowsDeleted;
      if (report.dropped.length > 0 || report.defaultDeleted > 0 || report.created.length > 0 || side.mo + side.unmatchedReceipts + side.batches > 0) {
        deps.log.info(
          { created: report.created, dropped: report.dropped, defaultDeleted: report.defaultDeleted, rollupsDeleted: report.rollupsDeleted, sideRowsDeleted: side },
          'retention run',
        );
      }
      for (const f of report.failures) deps.log.error({ month: f.month, err: f.error }, 'retention: could not create a month partition');
      deps.onRun?.(report);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('failed', (_job, error) => deps.log.warn({ err: error }, 'retention run failed'));
  worker.on('error', (error) => deps.log.debug({ err: error }, 'retention worker error'));
  await queue.upsertJobScheduler(SCHEDULER, { every: deps.everyMs }, { name: 'retention', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
