/**
 * Sends the simulator's delivery receipts: each waits `dlrDelayMs`, then
 * goes as deliver_sm to a bound receiver/transceiver of the submitting
 * system_id (round robin, only into free window slots, so nothing queues
 * inside sessions). Receipts for a system with no such bind wait for one,
 * as a real SMSC keeps them. A refused or unanswered receipt is retried
 * after `retryDelayMs`, up to `maxAttempts`. Two timers in all, whatever
 * the rate.
 */
import type { FieldsOf } from '../smpp/codec';
import type { SmppSession } from '../smpp/session';
import { TimedQueue } from './timed-queue';
import type { SimulatorStats } from './simulator-types';

export interface PendingReceipt {
  readonly systemId: string;
  readonly messageId: string;
  readonly fields: Readonly<Partial<FieldsOf<'deliver_sm'>>>;
  attempts: number;
}

export interface ReceiptDispatcherOptions {
  readonly dlrDelayMs: number;
  readonly retryDelayMs: number;
  readonly maxAttempts: number;
  readonly maxPending: number;
  /** Bound receiver/transceiver sessions of a system_id. */
  readonly receiversOf: (systemId: string) => readonly SmppSession[];
  readonly stats: SimulatorStats;
  readonly onResponse: (messageId: string, commandStatus: number) => void;
}

class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class ReceiptDispatcher {
  private readonly delayed: TimedQueue<PendingReceipt>;
  private readonly retrying: TimedQueue<PendingReceipt>;
  private readonly ready = new Map<string, Fifo<PendingReceipt>>();
  private readyCount = 0;
  private inFlight = 0;
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private roundRobin = 0;
  private stopped = false;

  constructor(private readonly options: ReceiptDispatcherOptions) {
    this.delayed = new TimedQueue((items) => this.makeReady(items));
    this.retrying = new TimedQueue((items) => this.makeReady(items));
  }

  /** Receipts not yet acknowledged by a client. */
  get pending(): number {
    return this.delayed.size + this.retrying.size + this.readyCount + this.inFlight;
  }

  schedule(receipt: PendingReceipt): void {
    if (this.stopped) return;
    if (this.pending >= this.options.maxPending) {
      this.options.stats.receiptsDropped++;
      return;
    }
    this.delayed.push(receipt, this.options.dlrDelayMs);
  }

  /** Call when a bind of this system_id appears. */
  wake(systemId: string): void {
    this.dirty.add(systemId);
    this.scheduleFlush();
  }

  stop(): void {
    this.stopped = true;
    this.delayed.clear();
    this.retrying.clear();
    this.ready.clear();
    this.readyCount = 0;
  }

  private makeReady(items: PendingReceipt[]): void {
    if (this.stopped) return;
    for (const r of items) {
      let q = this.ready.get(r.systemId);
      if (!q) this.ready.set(r.systemId, (q = new Fifo()));
      q.push(r);
      this.readyCount++;
      this.dirty.add(r.systemId);
    }
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const systems = [...this.dirty];
    this.dirty.clear();
    for (const systemId of systems) {
      const q = this.ready.get(systemId);
      if (!q || q.size === 0) continue;
      const sessions = this.options.receiversOf(systemId);
      let blocked = 0;
      while (q.size > 0 && blocked < sessions.length) {
        const session = sessions[this.roundRobin++ % sessions.length] as SmppSession;
        if (!session.isBound || session.freeSlots === 0) {
          blocked++;
          continue;
        }
        blocked = 0;
        const receipt = q.shift() as PendingReceipt;
        this.readyCount--;
        this.send(session, receipt);
      }
    }
  }

  private send(session: SmppSession, receipt: PendingReceipt): void {
    const { stats } = this.options;
    stats.receiptsSent++;
    receipt.attempts++;
    this.inFlight++;
    session.request('deliver_sm', receipt.fields).then(
      (response) => {
        this.inFlight--;
        this.options.onResponse(receipt.messageId, response.commandStatus);
        if (response.commandStatus === 0 && response.command === 'deliver_sm_resp') stats.receiptsAcked++;
        else this.retry(receipt);
        this.wake(receipt.systemId);
      },
      () => {
        this.inFlight--;
        this.retry(receipt);
        this.wake(receipt.systemId);
      },
    );
  }

  private retry(receipt: PendingReceipt): void {
    if (this.stopped) return;
    if (receipt.attempts >= this.options.maxAttempts) {
      this.options.stats.receiptsDropped++;
      return;
    }
    this.options.stats.receiptsRetried++;
    this.retrying.push(receipt, this.options.retryDelayMs);
  }
}
