/**
 * A FIFO whose items become due after a fixed delay, released by one timer
 * per queue rather than one per item (the simulator handles tens of
 * thousands of receipts per second). Items are released in insertion
 * order, each no earlier than its due time; with one constant delay per
 * queue that is also due order.
 */
export class TimedQueue<T> {
  private items: Array<{ readonly dueMs: number; readonly item: T }> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDueMs = Number.POSITIVE_INFINITY;

  constructor(private readonly onDue: (items: T[]) => void) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T, delayMs: number): void {
    const dueMs = Date.now() + delayMs;
    this.items.push({ dueMs, item });
    if (this.size === 1 || dueMs < this.timerDueMs) this.arm(dueMs);
  }

  /** Drops everything and stops the timer. */
  clear(): T[] {
    const rest = this.items.slice(this.head).map((e) => e.item);
    this.items = [];
    this.head = 0;
    this.disarm();
    return rest;
  }

  private arm(dueMs: number): void {
    this.disarm();
    this.timerDueMs = dueMs;
    this.timer = setTimeout(() => this.release(), Math.max(0, dueMs - Date.now()));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueMs = Number.POSITIVE_INFINITY;
  }

  private release(): void {
    this.timer = undefined;
    this.timerDueMs = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: T[] = [];
    while (this.head < this.items.length && (this.items[this.head]?.dueMs ?? 0) <= now) {
      due.push((this.items[this.head] as { item: T }).item);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const next = this.items[this.head];
    if (next) this.arm(next.dueMs);
    if (due.length > 0) this.onDue(due);
  }
}
