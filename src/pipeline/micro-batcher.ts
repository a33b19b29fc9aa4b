/**
 * Gathers items and hands them to one `flush` call; each add() settles with
 * its item's result. This is what turns N submissions into one job and one
 * multi-row insert.
 *
 * Group commit: at most `maxConcurrentFlushes` batches are under way; while
 * they are, new items wait and join the next batch. So under load a batch
 * holds whatever arrived during one round trip (it grows with the load, up
 * to `maxItems`), and a lone item waits at most `maxWaitMs`.
 */
export interface MicroBatcherOptions<T, R> {
  readonly maxItems: number;
  readonly maxWaitMs: number;
  /** Batches in flight at once (default 2). */
  readonly maxConcurrentFlushes?: number;
  /** Returns one result per item, in order; throwing fails every item of the batch. */
  readonly flush: (items: readonly T[]) => Promise<readonly R[]>;
}

interface Pending<T, R> {
  readonly items: readonly T[];
  readonly resolve: (results: R[]) => void;
  readonly reject: (error: unknown) => void;
}

export class MicroBatcher<T, R> {
  private pending: Array<Pending<T, R>> = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: MicroBatcherOptions<T, R>) {}

  /** Adds several items that succeed or fail together, in one batch (never split). */
  addAll(items: readonly T[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.count += items.length;
      if (this.count >= this.options.maxItems) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.options.maxWaitMs);
    });
  }

  async add(item: T): Promise<R> {
    const [result] = await this.addAll([item]);
    return result as R;
  }

  /** Flushes what is pending and waits for every batch under way. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      this.flushNow(true);
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private flushNow(force = false): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    // Busy: the batch goes out when a flush in flight completes (group commit).
    if (!force && this.inFlight.size >= (this.options.maxConcurrentFlushes ?? 2)) return;
    const batch = this.takeBatch();
    const run = this.run(batch);
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      if (this.pending.length > 0) this.flushNow();
    });
  }

  /** Up to maxItems items, whole submissions only (one larger than maxItems goes alone). */
  private takeBatch(): Array<Pending<T, R>> {
    const batch: Array<Pending<T, R>> = [];
    let items = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      if (batch.length > 0 && items + next.items.length > this.options.maxItems) break;
      batch.push(this.pending.shift()!);
      items += next.items.length;
    }
    this.count -= items;
    if (this.pending.length > 0 && this.count >= this.options.maxItems) queueMicrotask(() => this.flushNow());
    return batch;
  }

  private async run(batch: Array<Pending<T, R>>): Promise<void> {
    const items = batch.flatMap((p) => p.items);
    try {
      const results = await this.options.flush(items);
      if (results.length !== items.length) throw new Error(`flush returned ${results.length} results for ${items.length} items`);
      let offset = 0;
      for (const p of batch) {
        p.resolve(results.slice(offset, offset + p.items.length) as R[]);
        offset += p.items.length;
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
