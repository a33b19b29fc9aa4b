/**
 * Gathers items for at most `maxWaitMs` or `maxItems` and hands them to one
 * `flush` call; each add() settles with its item's result. A lone item waits
 * at most maxWaitMs. This is what turns N submissions into one job and one
 * multi-row insert.
 */
export interface MicroBatcherOptions<T, R> {
  readonly maxItems: number;
  readonly maxWaitMs: number;
  /** Returns one result per item, in order; throwing fails every item of the batch. */
  readonly flush: (items: readonly T[]) => Promise<readonly R[]>;
  /** Items of one add() call are never split across two batches. */
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
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly options: MicroBatcherOptions<T, R>) {}

  /** Adds several items that succeed or fail together with their batch. */
  addAll(items: readonly T[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.count += items.length;
      if (this.count >= this.options.maxItems) this.flushNow();
      else if (!this.timer) this.timer = setTimeout(() => this.flushNow(), this.options.maxWaitMs);
    });
  }

  async add(item: T): Promise<R> {
    const [result] = await this.addAll([item]);
    return result as R;
  }

  /** Flushes what is pending and waits for every batch under way. */
  async drain(): Promise<void> {
    this.flushNow();
    await Promise.allSettled([...this.inFlight]);
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.count = 0;
    const run = this.run(batch);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
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
