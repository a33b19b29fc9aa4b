/**
 * How a carrier's bind slots are spread over the workers processes that
 * share it (DESIGN.md "Scale-out": never more binds than the carrier
 * allows, whatever the number of processes). Pure: the live holders come
 * from the lease source (workers/redis-bind-leases.ts).
 */

/**
 * This process's share of `slots` bind slots: an even split over the live
 * holders, the first `slots % holders` (in id order) taking one more, so
 * the shares always add up to `slots`. `me` counts even when the holders
 * list missed it (its heartbeat has not landed yet).
 */
export function bindShare(slots: number, holders: readonly string[], me: string): number {
  const all = holders.includes(me) ? [...holders] : [...holders, me];
  all.sort();
  const rank = all.indexOf(me);
  return Math.floor(slots / all.length) + (rank < slots % all.length ? 1 : 0);
}

/**
 * Held slots beyond the share, highest first: the ones to unbind and then
 * give back, so another process can take them.
 */
export function excessSlots(held: readonly number[], share: number): number[] {
  return [...held].sort((a, b) => b - a).slice(0, Math.max(0, held.length - share));
}
