/**
 * Keeps this workers process's share of every carrier's bind slots
 * (DESIGN.md "Scale-out": carrier binds are spread over worker processes,
 * never more than a carrier's `binds` in all, a Redis lease per bind slot).
 *
 * Every `renewMs` (ttlMs / 4) a round registers the process as live, and
 * per carrier renews the slot leases it holds and takes free ones up to its
 * share (bind-share.ts: an even split over the live processes). Slots held
 * beyond the share, after another process joined, are unbound first and
 * only then given back, so no moment has two binds on one slot. A slot
 * taken by another process while this one could not renew (a stall longer
 * than the lease) is unbound at the next round. When the leases cannot be
 * renewed (Redis unreachable) the binds are kept until a lease may have
 * run out, then unbound: the carrier's limit wins over availability.
 *
 * A process that stops unbinds and gives its slots back at once; one that
 * dies leaves them to expire (ttlMs, default 10 s) before others take them.
 */
import type { Logger } from 'pino';
import { bindShare, excessSlots } from './bind-share';
import type { BindLeaseSource } from './types';

/** What the keeper asks of the pool (CarrierPool with leasedBinds). */
export interface LeasedBinds {
  carrierIds(): string[];
  slotCount(carrierId: string): number;
  setHeldSlots(carrierId: string, slots: readonly number[]): Promise<void>;
}

export interface BindLeaseKeeperOptions {
  readonly source: BindLeaseSource;
  /** This process's id, unique among the processes sharing the carriers. */
  readonly owner: string;
  readonly pool: LeasedBinds;
  readonly logger: Logger;
  /** A lease's life, ms (default 10_000); renewed every ttlMs / 4. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export class BindLeaseKeeper {
  /** Slots held per carrier, as last confirmed by the source. */
  private readonly held = new Map<string, number[]>();
  /** When each carrier's leases were last renewed (measured before the call, so on the safe side). */
  private readonly confirmedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly now: () => number;

  constructor(private readonly o: BindLeaseKeeperOptions) {
    this.ttlMs = o.ttlMs ?? 10_000;
    this.renewMs = Math.max(1, Math.floor(this.ttlMs / 4));
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.kick();
  }

  /** A round now, or right after the one running (a carrier was added or its binds changed). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.round()
      .catch((error: unknown) => this.o.logger.warn({ err: error }, 'carrier bind leases not renewed'))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
          return;
        }
        this.timer = setTimeout(() => this.kick(), this.renewMs);
        this.timer.unref();
      });
  }

  /** Unbinds every held slot, then gives the leases back and leaves. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const [carrierId, slots] of this.held) {
      await this.o.pool.setHeldSlots(carrierId, []);
      for (const slot of slots) await this.o.source.release(carrierId, slot, this.o.owner).catch(() => undefined);
    }
    this.held.clear();
    await this.o.source.leave(this.o.owner).catch(() => undefined);
  }

  /** One round; rejects when the source could not be reached (after unbinding what may have expired). */
  async round(): Promise<void> {
    let holders: string[];
    try {
      holders = await this.o.source.heartbeat(this.o.owner, this.ttlMs);
    } catch (error) {
      for (const carrierId of this.held.keys()) await this.dropIfExpiring(carrierId);
      throw error;
    }
    const carriers = new Set(this.o.pool.carrierIds());
    for (const [carrierId, slots] of this.held) {
      if (carriers.has(carrierId)) continue;
      // Gone from the pool (deleted, disabled): its sessions are closed; the slots go back.
      this.held.delete(carrierId);
      this.confirmedAt.delete(carrierId);
      for (const slot of slots) await this.o.source.release(carrierId, slot, this.o.owner);
    }
    let failure: unknown;
    for (const carrierId of carriers) {
      if (this.stopped) return;
      await this.keep(carrierId, holders).catch((error: unknown) => {
        failure ??= error;
      });
    }
    if (failure !== undefined) throw failure;
  }

  private async keep(carrierId: string, holders: readonly string[]): Promise<void> {
    const slots = this.o.pool.slotCount(carrierId);
    const share = bindShare(slots, holders, this.o.owner);
    const before = this.held.get(carrierId) ?? [];
    const askedAt = this.now();
    let held: number[];
    try {
      held = await this.o.source.claim(carrierId, slots, this.o.owner, share, this.ttlMs);
    } catch (error) {
      await this.dropIfExpiring(carrierId);
      throw error;
    }
    this.confirmedAt.set(carrierId, askedAt);
    const excess = excessSlots(held, share);
    const keep = held.filter((slot) => !excess.includes(slot));
    this.held.set(carrierId, held);
    if (excess.length > 0 || !sameSlots(before, keep)) {
      this.o.logger.info({ carrierId, slots, share, held: keep, givingBack: excess }, 'carrier bind slots');
    }
    await this.o.pool.setHeldSlots(carrierId, keep);
    for (const slot of excess) await this.o.source.release(carrierId, slot, this.o.owner);
    // Leases of slots the carrier no longer has (its binds were lowered), unbound by the pool already.
    for (const slot of before) if (slot >= slots) await this.o.source.release(carrierId, slot, this.o.owner);
    this.held.set(carrierId, keep);
  }

  /** Unbinds a carrier's slots when their leases may run out before the next round could renew them. */
  private async dropIfExpiring(carrierId: string): Promise<void> {
    const confirmed = this.confirmedAt.get(carrierId) ?? 0;
    if ((this.held.get(carrierId) ?? []).length === 0 || this.now() + this.renewMs < confirmed + this.ttlMs) return;
    this.o.logger.warn({ carrierId }, 'carrier bind leases could not be renewed before they expire: unbinding');
    this.held.set(carrierId, []);
    await this.o.pool.setHeldSlots(carrierId, []);
  }
}

function sameSlots(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((slot, i) => slot === b[i]);
}
