/**
 * What one channel (SMPP, HTTP, Kannel's HTTP) saw at the client: when each
 * message was accepted (202, submit_sm_resp OK) and how long that took, and
 * when its final receipt came back (deliver_sm, status callback, dlr-url).
 * Keys are whatever identifies a message on that channel (gateway id,
 * Kannel's sequence number). Times are the sampler's clock (ms).
 */
import { percentile } from './lib';

export interface ChannelSummary {
  readonly channel: string;
  readonly messages: number;
  readonly refused: number;
  readonly accepted: number;
  readonly completed: number;
  readonly acceptSeconds: number;
  readonly endToEndSeconds: number;
  readonly acceptedPerSecond: number;
  readonly completedPerSecond: number;
  readonly acceptLatencyMs: { readonly p50: number; readonly p99: number };
  readonly acceptToReceiptMs: { readonly p50: number; readonly p99: number };
  readonly finalStates: Record<string, number>;
}

export interface PerSecond {
  readonly channel: string;
  /** Second index since the sampler started. */
  readonly startSecond: number;
  readonly accepted: number[];
  readonly completed: number[];
}

const round = (n: number): number => +n.toFixed(2);

export class ChannelRecorder {
  private readonly acceptedAt = new Map<string, number>();
  private readonly completedAt = new Map<string, number>();
  private readonly latencies: number[] = [];
  private readonly states = new Map<string, number>();
  private refusedCount = 0;
  startedAt = 0;
  acceptEndedAt = 0;
  endedAt = 0;

  constructor(
    readonly channel: string,
    private readonly clock: () => number,
  ) {}

  begin(): void {
    this.startedAt = this.clock();
  }

  /** The last submission was answered. */
  endAccept(): void {
    this.acceptEndedAt = this.clock();
  }

  accepted(key: string, latencyMs: number): void {
    this.acceptedAt.set(key, this.clock());
    this.latencies.push(latencyMs);
  }

  refused(): void {
    this.refusedCount++;
  }

  /** A final receipt; a repeated one for the same key counts once. */
  completed(key: string, state: string): void {
    if (this.completedAt.has(key)) return;
    this.completedAt.set(key, this.clock());
    this.states.set(state, (this.states.get(state) ?? 0) + 1);
  }

  get acceptedCount(): number {
    return this.acceptedAt.size;
  }

  get completedCount(): number {
    return this.completedAt.size;
  }

  /** Resolves when every accepted message has completed, or when nothing completed for idleMs. */
  async waitForCompletion(idleMs = 60_000): Promise<void> {
    let last = this.completedCount;
    let lastChange = Date.now();
    while (this.completedCount < this.acceptedCount) {
      await new Promise((r) => setTimeout(r, 100));
      if (this.completedCount !== last) {
        last = this.completedCount;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > idleMs) break;
    }
    this.endedAt = this.clock();
  }

  summary(messages: number): ChannelSummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const toReceipt: number[] = [];
    for (const [key, done] of this.completedAt) {
      const accepted = this.acceptedAt.get(key);
      if (accepted !== undefined) toReceipt.push(done - accepted);
    }
    toReceipt.sort((a, b) => a - b);
    const acceptSeconds = (this.acceptEndedAt - this.startedAt) / 1000;
    const endToEndSeconds = (this.endedAt - this.startedAt) / 1000;
    return {
      channel: this.channel,
      messages,
      refused: this.refusedCount,
      accepted: this.acceptedCount,
      completed: this.completedCount,
      acceptSeconds: round(acceptSeconds),
      endToEndSeconds: round(endToEndSeconds),
      acceptedPerSecond: Math.round(this.acceptedCount / acceptSeconds),
      completedPerSecond: Math.round(this.completedCount / endToEndSeconds),
      acceptLatencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) },
      acceptToReceiptMs: { p50: round(percentile(toReceipt, 50)), p99: round(percentile(toReceipt, 99)) },
      finalStates: Object.fromEntries(this.states),
    };
  }

  /** Accepted and completed per second, from the second the channel began to the last completion. */
  perSecond(): PerSecond {
    const startSecond = Math.floor(this.startedAt / 1000);
    const length = Math.max(1, Math.ceil(this.endedAt / 1000) - startSecond);
    const bucket = (times: Iterable<number>): number[] => {
      const counts = new Array<number>(length).fill(0);
      for (const t of times) {
        const i = Math.floor(t / 1000) - startSecond;
        if (i >= 0 && i < length) counts[i]!++;
      }
      return counts;
    };
    return { channel: this.channel, startSecond, accepted: bucket(this.acceptedAt.values()), completed: bucket(this.completedAt.values()) };
  }
}
