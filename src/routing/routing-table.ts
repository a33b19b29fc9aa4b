/**
 * An immutable snapshot of the routing table. Longest prefix on E.164
 * digits wins; prefix "" is the catch-all. A route lists carriers in
 * failover order and the price the customer pays per message part.
 */
export interface Route {
  readonly prefix: string;
  /** Carrier ids, first = primary, then failover order. */
  readonly carrierIds: readonly string[];
  /** Minor units per message part. */
  readonly price: number;
}

export class RoutingTable {
  private readonly byPrefix: ReadonlyMap<string, Route>;
  private readonly longest: number;

  constructor(routes: readonly Route[]) {
    const map = new Map<string, Route>();
    for (const route of routes) {
      if (map.has(route.prefix)) throw new Error(`duplicate route prefix "${route.prefix}"`);
      map.set(route.prefix, Object.freeze({ ...route, carrierIds: Object.freeze([...route.carrierIds]) }));
    }
    this.byPrefix = map;
    this.longest = Math.max(0, ...[...map.keys()].map((p) => p.length));
  }

  /** The route of the longest prefix of `number`, or undefined when none covers it. */
  resolve(number: string): Route | undefined {
    for (let length = Math.min(this.longest, number.length); length >= 0; length--) {
      const route = this.byPrefix.get(number.slice(0, length));
      if (route) return route;
    }
    return undefined;
  }

  routes(): Route[] {
    return [...this.byPrefix.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  get size(): number {
    return this.byPrefix.size;
  }
}
