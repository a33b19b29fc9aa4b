/**
 * The BullMQ side of the pipeline: queue names, job options and the
 * StageQueues port. The prefix is hash-tagged ({smsgw}) so every key of a
 * queue lands in one Redis Cluster slot, as BullMQ requires.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DispatchJobOptions, StageQueues } from '../pipeline/ports';
import type { CallbackRecord, Priority, ReceiptRecord } from '../pipeline/types';

export const QUEUE_NAMES = ['review', 'dispatch', 'dlr', 'notify', 'sweep', 'rollup'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const queuePrefix = (prefix: string): string => `{${prefix}}`;

/** BullMQ refuses custom job ids containing ':' (they look like repeatable-job keys); ours use ':' as a separator. */
const bullJobId = (jobId: string): string => jobId.replaceAll(':', '.');

/** BullMQ priority: lower runs first. */
const PRIORITY: Readonly<Record<Priority, number>> = { express: 1, normal: 10 };

/**
 * A job that throws (PostgreSQL or Redis down) is retried with backoff for
 * about 17 minutes before it fails; done jobs are kept briefly so that a
 * re-added job id within that time is recognised as a duplicate.
 */
const BASE_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 86400 },
};

const SWEEP_SCHEDULER = 'validity-sweep';
const ROLLUP_SCHEDULER = 'report-rollup';

export interface ReviewJob {
  ids: string[];
}
export interface DispatchJobData {
  ids: string[];
  attempt: number;
  waits?: number;
  generation?: number;
  avoidCarrierIds?: string[];
}
export interface DlrJob {
  receipts: ReceiptRecord[];
}
export interface NotifyJob {
  callbacks: CallbackRecord[];
  attempt: number;
}

export class BullStageQueues implements StageQueues {
  readonly queues: Readonly<Record<QueueName, Queue>>;

  /**
   * `onError` hears the queues' connection errors (Redis away); without a listener BullMQ
   * prints each one to stderr, a stack trace per reconnect attempt during an outage.
   */
  constructor(connection: Redis, prefix: string, onError: (error: Error) => void = () => undefined) {
    const make = (name: QueueName) => {
      const queue = new Queue(name, { connection, prefix: queuePrefix(prefix), defaultJobOptions: BASE_OPTIONS });
      queue.on('error', onError);
      return queue;
    };
    this.queues = { review: make('review'), dispatch: make('dispatch'), dlr: make('dlr'), notify: make('notify'), sweep: make('sweep'), rollup: make('rollup') };
  }

  async review(jobId: string, messageIds: readonly string[]): Promise<void> {
    await this.queues.review.add('review', { ids: [...messageIds] } satisfies ReviewJob, { jobId: bullJobId(jobId) });
  }

  async dispatch(jobId: string, messageIds: readonly string[], priority: Priority, options: DispatchJobOptions = {}): Promise<void> {
    const data: DispatchJobData = {
      ids: [...messageIds],
      attempt: options.attempt ?? 0,
      ...(options.waits ? { waits: options.waits } : {}),
      ...(options.generation ? { generation: options.generation } : {}),
      ...(options.avoidCarrierIds?.length ? { avoidCarrierIds: [...options.avoidCarrierIds] } : {}),
    };
    await this.queues.dispatch.add('dispatch', data, {
      jobId: bullJobId(jobId),
      priority: PRIORITY[priority],
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
  }

  async receipts(jobId: string, receipts: readonly ReceiptRecord[], delayMs?: number): Promise<void> {
    await this.queues.dlr.add('dlr', { receipts: [...receipts] } satisfies DlrJob, { jobId: bullJobId(jobId), ...(delayMs ? { delay: delayMs } : {}) });
  }

  async callbacks(jobId: string, callbacks: readonly CallbackRecord[], options: { delayMs?: number; attempt?: number } = {}): Promise<void> {
    await this.queues.notify.add('notify', { callbacks: [...callbacks], attempt: options.attempt ?? 0 } satisfies NotifyJob, {
      jobId: bullJobId(jobId),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
  }

  /**
   * The validity sweep runs every `everyMs` as a BullMQ job scheduler: one
   * schedule per deployment however many worker processes upsert it.
   */
  async scheduleSweep(everyMs: number): Promise<void> {
    await this.queues.sweep.upsertJobScheduler(SWEEP_SCHEDULER, { every: everyMs }, { name: 'sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  /**
   * The report rollup (db/rollup-store.ts) runs every `everyMs` (default a
   * minute) as a job scheduler on its own queue, like the sweep.
   */
  async scheduleRollup(everyMs: number): Promise<void> {
    await this.queues.rollup.upsertJobScheduler(ROLLUP_SCHEDULER, { every: everyMs }, { name: 'rollup', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  /** Job counts per queue and state, for the smsgw_queue_jobs gauge (read at scrape). */
  async counts(): Promise<Array<{ queue: QueueName; state: string; count: number }>> {
    const out: Array<{ queue: QueueName; state: string; count: number }> = [];
    for (const name of QUEUE_NAMES) {
      const counts = await this.queues[name].getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
