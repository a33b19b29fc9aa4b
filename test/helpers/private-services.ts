/**
 * Private Redis and PostgreSQL server processes for tests that stop and
 * start them for real (outages), on free ports under a temp directory, so
 * the shared servers on 6379 / 5432 are never touched.
 *
 * - Redis runs without persistence (`--save '' --appendonly no`): a restart
 *   comes back empty, like a cache node that lost its memory.
 * - PostgreSQL is a fresh cluster (initdb, trust auth for 127.0.0.1, fsync
 *   off: the test does not survive power loss, only process stops). The
 *   server refuses to run as root, so under root the binaries run as the
 *   `postgres` user (runuser), as scripts/services.sh does.
 */
import { spawn, execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A free TCP port on 127.0.0.1 (the kernel's pick; closed again before use). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class PrivateRedis {
  private pid: number | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'smsgw-redis-')));
    await redis.up();
    return redis;
  }

  /** Starts the server on its port (again); resolves once it answers PING. A no-op while it runs. */
  async up(): Promise<void> {
    if (this.pid !== undefined && alive(this.pid)) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    this.pid = child.pid;
    child.unref();
    await until(async () => (await run('redis-cli', ['-p', String(this.port), 'ping'])).stdout.trim() === 'PONG', 10_000, 'redis did not answer');
  }

  /** Kills the process (SIGKILL: nothing flushed, every connection reset); resolves once the port is closed. */
  async kill(): Promise<void> {
    if (this.pid === undefined) return;
    const pid = this.pid;
    this.pid = undefined;
    process.kill(pid, 'SIGKILL');
    await until(async () => !alive(pid), 5_000, 'redis did not die');
  }

  async stop(): Promise<void> {
    await this.kill().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Newest installed PostgreSQL server binaries (Debian layout), else PATH. */
function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  return '';
}

const asRoot = process.getuid?.() === 0;

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  /** Server URL without a database name; append `/<db>`. */
  get serverUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private async pg(tool: string, args: readonly string[]): Promise<string> {
    const path = this.bin ? join(this.bin, tool) : tool;
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
    const { stdout } = await run(cmd, argv, { cwd: '/', timeout: 60_000 });
    return stdout;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-pg-'));
    chmodSync(dir, 0o755);
    if (asRoot) {
      const ids = (await run('id', ['-u', 'postgres'])).stdout.trim();
      const gid = (await run('id', ['-g', 'postgres'])).stdout.trim();
      chownSync(dir, Number(ids), Number(gid));
    }
    const pg = new PrivatePostgres(await freePort(), dir, pgBinDir());
    await pg.pg('initdb', ['-D', pg.data, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--no-locale', '--no-sync']);
    await pg.up();
    return pg;
  }

  /** Starts the server (again) on its port; resolves once it accepts connections. A no-op while it runs. */
  async up(): Promise<void> {
    if (existsSync(join(this.data, 'postmaster.pid'))) return;
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
  }

  /**
   * Stops the server: `immediate` kills the backends without a checkpoint (recovery at the next
   * start), `fast` disconnects the clients and shuts down cleanly.
   */
  async down(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-w', '-t', '30', '-m', mode, 'stop']);
  }

  async stop(): Promise<void> {
    await this.down('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
