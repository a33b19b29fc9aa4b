/**
 * Notices that Redis lost its data and triggers the recovery
 * (pipeline/queue-recovery.ts). A marker key without expiry lives beside
 * the queues; Redis never evicts (noeviction), so when the marker is gone
 * every queue key is gone with it: the server restarted without
 * persistence, failed over to an empty replica, or was flushed. The first
 * workers process to see that takes a short lock, re-schedules the validity
 * sweep, re-enqueues what PostgreSQL says is waiting, and only then sets the
 * marker again; if it dies on the way, the lock expires and another process
 * (or its own restart) does it. A first start on an empty Redis runs the
 * same recovery, which finds nothing or re-enqueues a harmless duplicate.
 *
 * Checked every `intervalMs` (default 1 s): one EXISTS per second per
 * workers process. While Redis is unreachable the check fails quietly and
 * runs again at the next tick.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';

export interface QueueLossWatchOptions {
  readonly redis: Redis;
  /** The hash-tagged queue prefix, e.g. `{smsgw}`. */
  readonly keyPrefix: string;
  /** Re-creates the schedules and re-enqueues the waiting messages; must be idempotent. */
  readonly recover: () => Promise<void>;
  readonly log: Logger;
  /** How often the marker is checked, ms (default 1_000). */
  readonly intervalMs?: number;
  /** How long one recovery may hold the lock before another process may start one, ms (default 60_000). */
  readonly lockMs?: number;
}

export class QueueLossWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly marker: string;
  private readonly lock: string;

  constructor(private readonly o: QueueLossWatchOptions) {
    this.marker = `${o.keyPrefix}:queue-epoch`;
    this.lock = `${o.keyPrefix}:queue-recovery-lock`;
  }

  start(): void {
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One check; resolves true when this call ran a recovery. */
  async check(): Promise<boolean> {
    if ((await this.o.redis.exists(this.marker)) === 1) return false;
    const owner = randomUUID();
    if ((await this.o.redis.set(this.lock, owner, 'PX', this.o.lockMs ?? 60_000, 'NX')) !== 'OK') return false;
    try {
      this.o.log.warn('queue marker missing: Redis is new or lost its data; re-enqueueing waiting messages from PostgreSQL');
      await this.o.recover();
      await this.o.redis.set(this.marker, new Date().toISOString());
      return true;
    } finally {
      if ((await this.o.redis.get(this.lock).catch(() => null)) === owner) await this.o.redis.del(this.lock).catch(() => undefined);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.check()
      .then(() => undefined)
      .catch((error: unknown) => this.o.log.debug({ err: error }, 'queue marker check failed'))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        this.timer = setTimeout(() => this.tick(), this.o.intervalMs ?? 1_000);
        this.timer.unref();
      });
  }
}
