/**
 * The BullMQ side of the pipeline: queue names, job options and the
 * StageQueues port. The prefix is hash-tagged ({smsgw}) so every key of a
 * queue lands in one Redis Cluster slot, as BullMQ requires.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DispatchJobOptions, JobPriority, ReviewJobOptions, StageQueues } from '../pipeline/ports';
import type { CallbackRecord, Priority, ReceiptRecord } from '../pipeline/types';

/**
 * `dispatch-express` is the express lane of dispatch: its own queue with its own
 * worker slots, so a backlog of normal (campaign) jobs holding every dispatch slot
 * never makes an express message wait for one. `batch` expands stored batches
 * into messages (src/campaigns).
 */
export const QUEUE_NAMES = ['review', 'dispatch', 'dispatch-express', 'dlr', 'notify', 'sweep', 'rollup', 'batch'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const queuePrefix = (prefix: string): string => `{${prefix}}`;

/** BullMQ refuses custom job ids containing ':' (they look like repeatable-job keys); ours use ':' as a separator. */
const bullJobId = (jobId: string): string => jobId.replaceAll(':', '.');

/** BullMQ priority: lower runs first. Bulk = batch (campaign) traffic, after single normal messages. */
const PRIORITY: Readonly<Record<JobPriority, number>> = { express: 1, normal: 10, bulk: 20 };

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
export interface BatchJob {
  batchId: string;
}
export interface DispatchJobData {
  ids: string[];
  attempt: number;
  waits?: number;
  generation?: number;
  avoidCarrierIds?: string[];
  /** Times an account's dispatch cap sent the messages back. */
  deferrals?: number;
  /** Batch (campaign) traffic: requeued jobs stay after single normal ones. */
  bulk?: boolean;
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
    this.queues = Object.fromEntries(QUEUE_NAMES.map((name) => [name, make(name)])) as Record<QueueName, Queue>;
  }

  async review(jobId: string, messageIds: readonly string[], options: ReviewJobOptions = {}): Promise<void> {
    await this.queues.review.add('review', { ids: [...messageIds] } satisfies ReviewJob, {
      jobId: bullJobId(jobId),
      priority: PRIORITY[options.priority ?? 'normal'],
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
  }

  /** Expands a stored batch into messages (src/campaigns); one job per batch id at a time. */
  async expandBatch(jobId: string, batchId: string, delayMs?: number): Promise<void> {
    await this.queues.batch.add('batch', { batchId } satisfies BatchJob, { jobId: bullJobId(jobId), ...(delayMs ? { delay: delayMs } : {}) });
  }

  async dispatch(jobId: string, messageIds: readonly string[], priority: Priority, options: DispatchJobOptions = {}): Promise<void> {
    const data: DispatchJobData = {
      ids: [...messageIds],
      attempt: options.attempt ?? 0,
      ...(options.waits ? { waits: options.waits } : {}),
      ...(options.generation ? { generation: options.generation } : {}),
      ...(options.avoidCarrierIds?.length ? { avoidCarrierIds: [...options.avoidCarrierIds] } : {}),
      ...(options.deferrals ? { deferrals: options.deferrals } : {}),
      ...(options.bulk ? { bulk: true } : {}),
    };
    // Express messages have their own lane (queue and worker slots); within a lane, bulk after normal.
    const queue = priority === 'express' ? this.queues['dispatch-express'] : this.queues.dispatch;
    await queue.add('dispatch', data, {
      jobId: bullJobId(jobId),
      priority: PRIORITY[options.bulk && priority === 'normal' ? 'bulk' : priority],
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
