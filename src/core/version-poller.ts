/**
 * Reload-on-change for configuration every process holds in memory (the
 * routing table, rules, templates): a version counter is polled every
 * `pollIntervalMs` (default 500 ms), and `load`
 * runs when it moved. Concurrent refreshes share one load. No I/O of its own.
 */
export class VersionPoller {
  private loadedVersion = -1;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly version: () => Promise<number>,
    private readonly load: (version: number) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Loads now when the version moved (or `force`). */
  refresh(force = false): Promise<void> {
    this.loading ??= this.check(force).finally(() => (this.loading = undefined));
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

  private async check(force: boolean): Promise<void> {
    const version = await this.version();
    if (!force && version === this.loadedVersion) return;
    await this.load(version);
    this.loadedVersion = version;
  }
}
