/**
 * The window of outstanding requests (Cloudhopper's model): at most
 * `size` windowed requests await a response; further callers queue FIFO
 * for a slot, each for a bounded time. Expiry is by deadline, checked by
 * the session's one sweep timer rather than a timer per request, so the
 * cost stays flat at tens of thousands of requests per second.
 */
import type { Pdu } from '../codec';
import { SmppResponseTimeoutError, SmppWindowTimeoutError, type SmppSessionError } from './session-errors';

export interface PendingRequest {
  readonly sequenceNumber: number;
  readonly command: string;
  /** Counts against the window (false for bind, unbind, enquire_link). */
  readonly windowed: boolean;
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  readonly resolve: (pdu: Pdu) => void;
  readonly reject: (error: SmppSessionError) => void;
}

interface Waiter {
  readonly deadlineMs: number;
  readonly waitMs: number;
  readonly grant: () => void;
  readonly reject: (error: SmppSessionError) => void;
}

/** Sequence numbers run 1..0x7FFFFFFF and wrap to 1 (§5.1.4). */
export const MAX_SEQUENCE_NUMBER = 0x7fffffff;

export class RequestWindow {
  private readonly pending = new Map<number, PendingRequest>();
  private waiters: Waiter[] = [];
  private windowedCount = 0;
  /** Slots granted to waiters but not yet registered with add(). */
  private reserved = 0;
  private drainListeners: Array<() => void> = [];

  /** The last sequence number handed out. */
  private sequence: number;

  constructor(
    private size: number,
    firstSequenceNumber = 1,
  ) {
    this.sequence = firstSequenceNumber - 1;
  }

  /** The next sequence number (1..MAX_SEQUENCE_NUMBER, wrapping to 1), skipping any still outstanding. */
  nextSequence(): number {
    do {
      this.sequence = this.sequence >= MAX_SEQUENCE_NUMBER ? 1 : this.sequence + 1;
    } while (this.has(this.sequence));
    return this.sequence;
  }

  get windowSize(): number {
    return this.size;
  }

  /** Windowed requests awaiting their response (plus slots handed to callers about to send). */
  get inFlight(): number {
    return this.windowedCount + this.reserved;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  get freeSlots(): number {
    return Math.max(0, this.size - this.inFlight);
  }

  has(sequenceNumber: number): boolean {
    return this.pending.has(sequenceNumber);
  }

  resize(size: number): void {
    this.size = size;
    this.grantWaiters();
  }

  /**
   * Reserves a slot: resolves at once when one is free, else queues until
   * one frees or `waitMs` passes (SmppWindowTimeoutError). The caller must
   * follow with add() or unreserve().
   */
  acquire(nowMs: number, waitMs: number): Promise<void> {
    if (this.waiters.length === 0 && this.inFlight < this.size) {
      this.reserved++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ deadlineMs: nowMs + waitMs, waitMs, grant: resolve, reject });
    });
  }

  unreserve(): void {
    this.reserved--;
    this.grantWaiters();
  }

  /** Registers a sent request; a windowed one consumes the slot reserved by acquire(). */
  add(request: PendingRequest): void {
    this.pending.set(request.sequenceNumber, request);
    if (request.windowed) {
      this.reserved--;
      this.windowedCount++;
    }
  }

  /** Removes and returns the request answered by this sequence number. */
  take(sequenceNumber: number): PendingRequest | undefined {
    const request = this.pending.get(sequenceNumber);
    if (!request) return undefined;
    this.pending.delete(sequenceNumber);
    if (request.windowed) {
      this.windowedCount--;
      this.grantWaiters();
      if (this.windowedCount === 0) this.notifyDrained();
    }
    return request;
  }

  /** Rejects every request and waiter whose deadline has passed; returns the expired requests. */
  expire(nowMs: number): PendingRequest[] {
    const expired: PendingRequest[] = [];
    for (const request of this.pending.values()) {
      if (request.deadlineMs <= nowMs) expired.push(request);
    }
    for (const request of expired) {
      this.take(request.sequenceNumber);
      request.reject(new SmppResponseTimeoutError(request.command, request.timeoutMs));
    }
    if (this.waiters.some((w) => w.deadlineMs <= nowMs)) {
      const keep: Waiter[] = [];
      for (const w of this.waiters) {
        if (w.deadlineMs <= nowMs) w.reject(new SmppWindowTimeoutError(w.waitMs));
        else keep.push(w);
      }
      this.waiters = keep;
    }
    return expired;
  }

  /** Rejects queued callers (nothing sent) with the error made for them. */
  rejectWaiters(makeError: () => SmppSessionError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(makeError());
  }

  /** Rejects every outstanding request (sent) and every waiter (not sent). */
  rejectAll(makeError: (sent: boolean) => SmppSessionError): void {
    this.rejectWaiters(() => makeError(false));
    const requests = [...this.pending.values()];
    this.pending.clear();
    this.windowedCount = 0;
    for (const request of requests) request.reject(makeError(true));
    this.notifyDrained();
  }

  /** Resolves when no windowed request is outstanding. */
  drained(): Promise<void> {
    if (this.windowedCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainListeners.push(resolve));
  }

  private notifyDrained(): void {
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) listener();
  }

  private grantWaiters(): void {
    while (this.waiters.length > 0 && this.inFlight < this.size) {
      const waiter = this.waiters.shift();
      if (!waiter) break;
      this.reserved++;
      waiter.grant();
    }
  }
}
