/**
 * CPU of the PostgreSQL backends serving one database (the bench's own):
 * their pids come from pg_stat_activity, polled once a second because pools
 * open and close connections; CPU seconds from /proc/<pid>/stat. The total
 * counts every backend ever seen (a closed one keeps its last value). Not
 * counted: PostgreSQL's shared background processes (WAL writer,
 * checkpointer), which also serve the other engineers' databases.
 */
import pg from 'pg';
import { cpuSeconds } from './sampler';

export class PgBackendCpu {
  private readonly lastCpu = new Map<number, number>();
  private readonly client: pg.Client;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly databaseUrl: string) {
    // The watcher's own connection goes to the postgres database, so it is not one of the counted backends.
    const url = new URL(databaseUrl);
    url.pathname = '/postgres';
    this.client = new pg.Client({ connectionString: url.toString() });
  }

  async start(): Promise<void> {
    await this.client.connect();
    await this.poll();
    this.timer = setInterval(() => void this.poll(), 1_000);
  }

  private async poll(): Promise<void> {
    const name = new URL(this.databaseUrl).pathname.slice(1);
    const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]).catch(() => ({ rows: [] }));
    for (const { pid } of rows) this.read(pid);
    for (const pid of this.lastCpu.keys()) this.read(pid);
  }

  private read(pid: number): void {
    try {
      this.lastCpu.set(pid, cpuSeconds(pid));
    } catch {
      // gone: keep its last value
    }
  }

  /** CPU seconds of every backend seen so far; RSS is not meaningful (shared buffers), so 0. */
  sample(): { cpuS: number; rssMiB: number } {
    for (const pid of this.lastCpu.keys()) this.read(pid);
    let total = 0;
    for (const v of this.lastCpu.values()) total += v;
    return { cpuS: total, rssMiB: 0 };
  }

  get backends(): number {
    return this.lastCpu.size;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.end().catch(() => undefined);
  }
}
