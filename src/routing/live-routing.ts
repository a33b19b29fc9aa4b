/**
 * The routing view every process holds: the current RoutingTable and the
 * carriers, reloaded when the shared version counter moves (polled every
 * `pollIntervalMs`, default 500 ms, so a PUT /routes reaches every process
 * within a second). Loading is injected: this module does no I/O itself.
 */
import { VersionPoller } from '../core/version-poller';
import { RoutingTable, type Route } from './routing-table';

/** What routing needs of a carrier; the carrier layer's config type satisfies it. */
export interface CarrierRef {
  readonly id: string;
}

export interface RoutingSource<C extends CarrierRef> {
  version(): Promise<number>;
  routes(): Promise<Route[]>;
  carriers(): Promise<C[]>;
}

export class LiveRouting<C extends CarrierRef> {
  private current = new RoutingTable([]);
  private carriersById = new Map<string, C>();
  private readonly poller: VersionPoller;

  constructor(
    private readonly source: RoutingSource<C>,
    private readonly onCarriers: (carriers: readonly C[]) => void = () => undefined,
    onError: (error: unknown) => void = () => undefined,
  ) {
    this.poller = new VersionPoller(() => source.version(), () => this.load(), onError);
  }

  table(): RoutingTable {
    return this.current;
  }

  carrier(id: string): C | undefined {
    return this.carriersById.get(id);
  }

  carriers(): C[] {
    return [...this.carriersById.values()];
  }

  /** Loads now when the version moved (or `force`); concurrent calls share one load. */
  refresh(force = false): Promise<void> {
    return this.poller.refresh(force);
  }

  start(pollIntervalMs = 500): Promise<void> {
    return this.poller.start(pollIntervalMs);
  }

  stop(): void {
    this.poller.stop();
  }

  private async load(): Promise<void> {
    const [routes, carriers] = await Promise.all([this.source.routes(), this.source.carriers()]);
    this.current = new RoutingTable(routes);
    this.carriersById = new Map(carriers.map((c) => [c.id, c]));
    this.onCarriers(carriers);
  }
}
