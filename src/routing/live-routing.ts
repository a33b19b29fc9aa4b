/**
 * The routing view every process holds: the current RoutingTable and the
 * carriers, reloaded when the shared version counter moves (polled every
 * `pollIntervalMs`, default 500 ms, so a PUT /routes reaches every process
 * within a second). Loading is injected: this module does no I/O itself.
 */
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
  private loadedVersion = -1;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly source: RoutingSource<C>,
    private readonly onCarriers: (carriers: readonly C[]) => void = () => undefined,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

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
    this.loading ??= this.load(force).finally(() => (this.loading = undefined));
    return this.loading;
  }

  start(pollIntervalMs = 500): Promise<void> {
    this.timer = setInterval(() => void this.refresh().catch(this.onError), pollIntervalMs);
    this.timer.unref();
    return this.refresh(true);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async load(force: boolean): Promise<void> {
    const version = await this.source.version();
    if (!force && version === this.loadedVersion) return;
    const [routes, carriers] = await Promise.all([this.source.routes(), this.source.carriers()]);
    this.current = new RoutingTable(routes);
    this.carriersById = new Map(carriers.map((c) => [c.id, c]));
    this.loadedVersion = version;
    this.onCarriers(carriers);
  }
}
