/**
 * Queue monitoring and intervention over the pipeline's BullMQ queues
 * (GET /api/v1/queues, pause / resume / retry-failed), composed in
 * gateway.ts and handed to the HTTP router.
 *
 * - Counts are read from BullMQ at request time. `waiting` is everything
 *   ready to run that no worker holds yet: BullMQ's wait, paused and
 *   prioritized lists (review and dispatch jobs carry a priority, so they sit in
 *   prioritized rather than wait).
 * - `oldestWaitingAgeSeconds`: now minus when the oldest ready job became
 *   ready (added, plus its delay); among prioritized jobs the first 200 by
 *   priority are looked at. null when nothing waits.
 * - Samples (waiting, BullMQ's completed total) are taken every
 *   `sampleIntervalMs` (default 15 s) and kept in this process's memory, the
 *   last `samples` (default 8) per queue. `completedPerMinute` is the
 *   completed total's growth over the kept samples (null until two exist);
 *   the total is BullMQ's metrics counter, which the workers keep
 *   (processors.ts turns `metrics` on). `backlogGrowing` is true when over
 *   the last `growingSamples` (default 4, one minute) waiting never fell
 *   and ended higher than it began. Every API process samples the same
 *   Redis, so they agree up to the sampling phase.
 * - Pause and resume are BullMQ's global pause: no worker in any process
 *   takes a new job of that queue (running ones finish); jobs keep arriving
 *   and wait. Retry-failed moves every failed job back to wait.
 */
import type { Queue } from 'bullmq';
import type { CarrierPauseEntry, RedisCarrierPauses } from './carrier-pauses';

export interface QueueMonitorOptions {
  readonly sampleIntervalMs?: number;
  readonly samples?: number;
  readonly growingSamples?: number;
  readonly now?: () => number;
}

export interface QueueOverview {
  readonly name: string;
  readonly paused: boolean;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly oldestWaitingAgeSeconds: number | null;
  readonly completedPerMinute: number | null;
  readonly backlogGrowing: boolean;
}

interface QueueSample {
  readonly atMs: number;
  readonly waiting: number;
  readonly completedTotal: number;
}

const PRIORITIZED_LOOKED_AT = 200;

export class QueueMonitor {
  private readonly samples = new Map<string, QueueSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private readonly now: () => number;
  private readonly keep: number;
  private readonly growingSamples: number;

  constructor(
    private readonly queues: Readonly<Record<string, Queue>>,
    private readonly carrierPauses: RedisCarrierPauses,
    private readonly options: QueueMonitorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.growingSamples = Math.max(2, options.growingSamples ?? 4);
    this.keep = Math.max(this.growingSamples, options.samples ?? 8);
  }

  names(): string[] {
    return Object.keys(this.queues);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.queues, name);
  }

  start(): void {
    void this.sample().catch(() => undefined);
    this.timer = setInterval(() => void this.sample().catch(() => undefined), this.options.sampleIntervalMs ?? 15_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample of every queue (the timer calls it); skipped while the previous one still runs, so samples stay in order. */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      await this.sampleAll();
    } finally {
      this.sampling = false;
    }
  }

  private async sampleAll(): Promise<void> {
    for (const [name, queue] of Object.entries(this.queues)) {
      const atMs = this.now();
      const [counts, completed] = await Promise.all([
        queue.getJobCounts('waiting', 'prioritized'),
        queue.getMetrics('completed', 0, 0),
      ]);
      const list = this.samples.get(name) ?? [];
      list.push({ atMs, waiting: waitingOf(counts), completedTotal: completed.meta.count });
      if (list.length > this.keep) list.splice(0, list.length - this.keep);
      this.samples.set(name, list);
    }
  }

  async overview(): Promise<QueueOverview[]> {
    return Promise.all(Object.entries(this.queues).map(([name, queue]) => this.overviewOf(name, queue)));
  }

  async pause(name: string): Promise<void> {
    await this.queue(name).pause();
  }

  async resume(name: string): Promise<void> {
    await this.queue(name).resume();
  }

  /** Moves every failed job of the queue back to wait; returns how many there were. */
  async retryFailed(name: string): Promise<number> {
    const queue = this.queue(name);
    const failed = await queue.getFailedCount();
    if (failed > 0) await queue.retryJobs({ state: 'failed', count: 1000 });
    return failed;
  }

  pauseCarrier(carrierId: string, actor: string): Promise<boolean> {
    return this.carrierPauses.pause(carrierId, actor);
  }

  resumeCarrier(carrierId: string): Promise<boolean> {
    return this.carrierPauses.resume(carrierId);
  }

  pausedCarriers(): Promise<CarrierPauseEntry[]> {
    return this.carrierPauses.list();
  }

  private queue(name: string): Queue {
    const queue = this.queues[name];
    if (!queue || !this.has(name)) throw new RangeError(`no queue named ${name}`);
    return queue;
  }

  private async overviewOf(name: string, queue: Queue): Promise<QueueOverview> {
    const [counts, paused, oldestReadyMs] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
      queue.isPaused(),
      this.oldestReadyMs(queue),
    ]);
    const samples = this.samples.get(name) ?? [];
    return {
      name,
      paused,
      waiting: waitingOf(counts),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      oldestWaitingAgeSeconds: oldestReadyMs === undefined ? null : Math.max(0, Math.round((this.now() - oldestReadyMs) / 100) / 10),
      completedPerMinute: completedPerMinute(samples),
      backlogGrowing: backlogGrowing(samples.slice(-this.growingSamples), this.growingSamples),
    };
  }

  /** When the oldest job ready to run became ready (epoch ms); undefined when none is. */
  private async oldestReadyMs(queue: Queue): Promise<number | undefined> {
    // One list per call: with several types, the range does not pick the oldest of each list.
    const [waiting, paused, prioritized] = await Promise.all([
      queue.getJobs(['wait'], 0, 0, true),
      queue.getJobs(['paused'], 0, 0, true),
      queue.getJobs(['prioritized'], 0, PRIORITIZED_LOOKED_AT - 1, true),
    ]);
    let oldest: number | undefined;
    for (const job of [...waiting, ...paused, ...prioritized]) {
      if (!job) continue;
      const readyAt = job.timestamp + (job.delay ?? 0);
      if (oldest === undefined || readyAt < oldest) oldest = readyAt;
    }
    return oldest;
  }
}

function waitingOf(counts: Record<string, number>): number {
  return (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0);
}

/** Completed jobs per minute over the samples; null until there are two. */
export function completedPerMinute(samples: readonly QueueSample[]): number | null {
  if (samples.length < 2) return null;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const minutes = (last.atMs - first.atMs) / 60_000;
  if (minutes <= 0) return null;
  return Math.round((Math.max(0, last.completedTotal - first.completedTotal) / minutes) * 10) / 10;
}

/** Waiting never fell over the window of `need` samples and ended above where it began. */
export function backlogGrowing(window: readonly Pick<QueueSample, 'waiting'>[], need: number): boolean {
  if (window.length < need) return false;
  for (let i = 1; i < window.length; i++) if (window[i]!.waiting < window[i - 1]!.waiting) return false;
  return window[window.length - 1]!.waiting > window[0]!.waiting;
}
