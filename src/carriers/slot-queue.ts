/**
 * A carrier's outstanding submits across its binds: at most `capacity()`
 * (the windows of its bound transmitting sessions) at once; callers beyond
 * that wait here, first come first served, at most maxWaitMs each. Waiting
 * here rather than inside a session's window lets the pool look again
 * (is the carrier paused by a throttle now?) right before a submit goes out.
 */
interface Waiter {
  readonly resolve: (granted: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

export class SlotQueue {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly capacity: () => number) {}

  get inUse(): number {
    return this.used;
  }

  /** Resolves true with a slot, or false (no slot taken) after maxWaitMs. */
  acquire(maxWaitMs: number): Promise<boolean> {
    if (this.waiters.length === 0 && this.used < this.capacity()) {
      this.used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          resolve(false);
        }, maxWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(): void {
    this.used = Math.max(0, this.used - 1);
    this.wake();
  }

  /** Hands free slots to waiters; call when the capacity grew (a bind came up). */
  wake(): void {
    while (this.waiters.length > 0 && this.used < this.capacity()) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      this.used++;
      waiter.resolve(true);
    }
  }

  /** Sends every waiter away empty-handed (the carrier is going away). */
  clear(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
  }
}
