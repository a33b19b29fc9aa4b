/**
 * Who goes next at a carrier: two lanes, express always before normal;
 * within a lane one FIFO per key (the account id) and round robin across
 * the keys that have items, one item per turn. So however many items one
 * account has queued, another account's next item waits for at most one
 * item of each other account in its lane (and every express item).
 *
 * push and shift are O(1) (amortised): FIFOs keep a head index instead of
 * Array.shift. Removal is lazy: an item the `isLive` predicate rejects (a
 * waiter that gave up) is skipped, and dropped, when its turn comes.
 * Pure data structure: no timers, no I/O.
 */
export type FairLane = 'express' | 'normal';

/** A FIFO over an array with a head index; compacts once the consumed head is most of the array. */
class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** One lane: a FIFO per key, and the keys with items in turn order. */
class Lane<T> {
  private readonly byKey = new Map<string, Fifo<T>>();
  private readonly turns = new Fifo<string>();

  push(key: string, item: T): void {
    let fifo = this.byKey.get(key);
    if (!fifo) {
      fifo = new Fifo<T>();
      this.byKey.set(key, fifo);
      this.turns.push(key);
    }
    fifo.push(item);
  }

  /** Whether a live item waits; dead items met at the front are dropped (the turn order is kept). */
  hasLive(isLive: (item: T) => boolean, onDrop: () => void): boolean {
    for (;;) {
      const key = this.turns.peek();
      if (key === undefined) return false;
      const fifo = this.byKey.get(key)!;
      while (fifo.size > 0 && !isLive(fifo.peek() as T)) {
        fifo.shift();
        onDrop();
      }
      if (fifo.size > 0) return true;
      this.turns.shift();
      this.byKey.delete(key);
    }
  }

  /** The next live item by round robin; dead items met on the way are dropped. */
  shift(isLive: (item: T) => boolean): T | undefined {
    for (;;) {
      const key = this.turns.shift();
      if (key === undefined) return undefined;
      const fifo = this.byKey.get(key)!;
      let item = fifo.shift();
      while (item !== undefined && !isLive(item)) item = fifo.shift();
      if (fifo.size > 0) this.turns.push(key);
      else this.byKey.delete(key);
      if (item !== undefined) return item;
    }
  }
}

export class FairQueue<T> {
  private readonly express = new Lane<T>();
  private readonly normal = new Lane<T>();
  private pushed = 0;
  private shifted = 0;

  /** `isLive` false = the item was removed: never returned (default: every item is live). */
  constructor(private readonly isLive: (item: T) => boolean = () => true) {}

  /** Items queued, including removed ones not yet skipped. */
  get size(): number {
    return this.pushed - this.shifted;
  }

  push(lane: FairLane, key: string, item: T): void {
    (lane === 'express' ? this.express : this.normal).push(key, item);
    this.pushed++;
  }

  /** Whether a live express item waits (the pump then asks for an express permit). */
  hasExpress(): boolean {
    return this.express.hasLive(this.isLive, () => this.shifted++);
  }

  /** The next live item: express lane first, round robin across keys within a lane. */
  shift(): T | undefined {
    const counted = (item: T) => {
      this.shifted++;
      return this.isLive(item);
    };
    return this.express.shift(counted) ?? this.normal.shift(counted);
  }
}
