/**
 * The order in which one message tries the carriers of its route: rank by
 * rank; within a rank the first carrier comes from a smooth weighted round
 * robin (nginx's: each pick adds every weight to its carrier's credit, takes
 * the highest credit and charges it the total), so a rank's traffic splits
 * exactly by weight over every run of `total weight` messages, without
 * randomness; the rest of the rank follow by weight (heaviest first; weight
 * 0 = standby, last). Only the load-sharing credit is shared between
 * messages, never a failover position: one message's failure never steers
 * another's order (STYLE.md, Jasmin's weak spot).
 *
 * Credits live per table snapshot (a WeakMap on the rank's carrier list), so
 * a new routing table starts fresh and an old one is garbage collected.
 *
 * Two per-message adjustments, both stable:
 * - `sticky`: a carrier that already holds some parts of the message (a
 *   multipart message stays on one carrier) is the only candidate;
 * - `avoid`: carriers that just failed this message go after the others,
 *   so a retry tries the next carrier first.
 */
import type { ResolvedRoute, RouteCarrier } from './routing-table';

export class WeightedPicker {
  private readonly credits = new WeakMap<readonly RouteCarrier[], number[]>();

  /** The index in `group` of the carrier whose turn it is. */
  next(group: readonly RouteCarrier[]): number {
    const total = group.reduce((sum, c) => sum + c.weight, 0);
    if (total === 0) return 0;
    let credit = this.credits.get(group);
    if (!credit) {
      credit = group.map(() => 0);
      this.credits.set(group, credit);
    }
    let best = 0;
    for (let i = 0; i < group.length; i++) {
      credit[i]! += group[i]!.weight;
      if (credit[i]! > credit[best]!) best = i;
    }
    credit[best]! -= total;
    return best;
  }
}

export interface CandidateOptions {
  readonly sticky?: string;
  readonly avoid?: readonly string[];
}

export function candidateOrder(route: ResolvedRoute, picker: WeightedPicker, options: CandidateOptions = {}): string[] {
  if (options.sticky !== undefined) return [options.sticky];
  const ordered: string[] = [];
  for (const group of route.groups) {
    if (group.length === 1) {
      ordered.push(group[0]!.carrierId);
      continue;
    }
    const first = picker.next(group);
    const rest = group.filter((_, i) => i !== first).sort((a, b) => b.weight - a.weight);
    ordered.push(group[first]!.carrierId, ...rest.map((c) => c.carrierId));
  }
  if (!options.avoid || options.avoid.length === 0) return ordered;
  const avoid = new Set(options.avoid);
  return [...ordered.filter((id) => !avoid.has(id)), ...ordered.filter((id) => avoid.has(id))];
}
