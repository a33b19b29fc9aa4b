/**
 * An immutable snapshot of the routing table. Longest prefix on E.164
 * digits wins; prefix "" is the catch-all. A route lists its carriers in
 * failover order and the price the customer pays per message part.
 *
 * Ranks and weights: every carrier of a route has a rank (default: its
 * 1-based position) and a weight (default 1). Lower ranks are tried first;
 * carriers sharing a rank share its traffic in proportion to their weights
 * (weight 0 = a standby of that rank, tried only after the others of it).
 * `carrierIds` is the plain failover order (by rank, then position).
 */
export interface Route {
  readonly prefix: string;
  /** Carrier ids; first = primary, then failover order (see ranks). */
  readonly carrierIds: readonly string[];
  /** Minor units per message part. */
  readonly price: number;
  /** Parallel to carrierIds; default all 1. */
  readonly weights?: readonly number[];
  /** Parallel to carrierIds; default 1, 2, 3, ... (each carrier its own rank, in order). */
  readonly ranks?: readonly number[];
}

export interface RouteCarrier {
  readonly carrierId: string;
  readonly weight: number;
  readonly rank: number;
}

/**
 * A route as stored in the table: carrierIds, weights and ranks in failover
 * order (by rank, then as given), and the carriers grouped by rank.
 */
export interface ResolvedRoute extends Route {
  readonly weights: readonly number[];
  readonly ranks: readonly number[];
  /** Carriers grouped by rank, lowest rank first; within a group, in the given order. */
  readonly groups: ReadonlyArray<readonly RouteCarrier[]>;
}

function resolveRoute(route: Route): ResolvedRoute {
  const n = route.carrierIds.length;
  const weights = route.weights ?? Array.from({ length: n }, () => 1);
  const ranks = route.ranks ?? Array.from({ length: n }, (_, i) => i + 1);
  if (weights.length !== n || ranks.length !== n) throw new Error(`route "${route.prefix}": weights and ranks must match its carriers`);
  if (new Set(route.carrierIds).size !== n) throw new Error(`route "${route.prefix}": a carrier is listed twice`);
  const entries = route.carrierIds
    .map((carrierId, i): RouteCarrier => Object.freeze({ carrierId, weight: weights[i]!, rank: ranks[i]! }))
    .sort((a, b) => a.rank - b.rank); // stable: the given order within a rank
  const groups: RouteCarrier[][] = [];
  for (const entry of entries) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.rank === entry.rank) last.push(entry);
    else groups.push([entry]);
  }
  return Object.freeze({
    prefix: route.prefix,
    price: route.price,
    carrierIds: Object.freeze(entries.map((c) => c.carrierId)),
    weights: Object.freeze(entries.map((c) => c.weight)),
    ranks: Object.freeze(entries.map((c) => c.rank)),
    groups: Object.freeze(groups.map((g) => Object.freeze(g))),
  });
}

export class RoutingTable {
  private readonly byPrefix: ReadonlyMap<string, ResolvedRoute>;
  private readonly longest: number;

  constructor(routes: readonly Route[]) {
    const map = new Map<string, ResolvedRoute>();
    for (const route of routes) {
      if (map.has(route.prefix)) throw new Error(`duplicate route prefix "${route.prefix}"`);
      map.set(route.prefix, resolveRoute(route));
    }
    this.byPrefix = map;
    this.longest = Math.max(0, ...[...map.keys()].map((p) => p.length));
  }

  /** The route of the longest prefix of `number`, or undefined when none covers it. */
  resolve(number: string): ResolvedRoute | undefined {
    for (let length = Math.min(this.longest, number.length); length >= 0; length--) {
      const route = this.byPrefix.get(number.slice(0, length));
      if (route) return route;
    }
    return undefined;
  }

  routes(): ResolvedRoute[] {
    return [...this.byPrefix.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  get size(): number {
    return this.byPrefix.size;
  }
}
