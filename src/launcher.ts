/**
 * `npm start`'s process layout when GATEWAY_ROLES is not set (scripts/start.sh
 * decides): two gateway processes on one machine, so ingress and the workers
 * each get a core.
 *
 *   edge     GATEWAY_ROLES=api,smpp on HTTP_PORT and SMPP_PORT; with SIMULATOR=1 it also runs
 *            the simulator, seeds it as carrier and seeds the demo app (the printed curl example)
 *   workers  GATEWAY_ROLES=workers, HTTP_PORT+1 (health, readiness, metrics), no simulator
 *
 * Both get the same ADMIN_TOKEN (generated here once when unset) and every
 * other variable as set. The edge starts first: it migrates, seeds the
 * simulator carrier, its catch-all route and the demo app, so the workers
 * (started once the edge is ready or has failed once) load a routing table
 * that already has them — a message sent right after the banner is queued
 * until the workers are up, never failed for want of a route. A child that dies is restarted
 * after 1 s, doubling up to 30 s (reset after a minute up); one that exits
 * with 2 (a bad variable) stops the launcher with 2. SIGINT/SIGTERM go to both
 * children; the launcher exits when they have (0), or after 20 s (1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ConfigError, environmentCopy, loadConfig, type Config } from './config/env';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const STABLE_AFTER_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

const env = environmentCopy();
let config: Config;
try {
  config = loadConfig(env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`smsgw: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
const workersHttpPort = config.httpPort === 0 ? 0 : config.httpPort === 65535 ? config.httpPort - 1 : config.httpPort + 1;

interface Child {
  readonly name: 'edge' | 'workers';
  readonly env: Record<string, string>;
  process: ChildProcess | undefined;
  failures: number;
  startedAt: number;
  onFirstReadyOrExit: (() => void) | undefined;
}

const children: Child[] = [
  {
    name: 'edge',
    env: { ...env, ADMIN_TOKEN: adminToken, GATEWAY_ROLES: 'api,smpp', SIMULATOR: config.simulator ? '1' : '0' },
    process: undefined,
    failures: 0,
    startedAt: 0,
    onFirstReadyOrExit: undefined,
  },
  {
    name: 'workers',
    env: { ...env, ADMIN_TOKEN: adminToken, GATEWAY_ROLES: 'workers', HTTP_PORT: String(workersHttpPort), SIMULATOR: '0' },
    process: undefined,
    failures: 0,
    startedAt: 0,
    onFirstReadyOrExit: undefined,
  },
];

let stopping = false;

function say(line: string): void {
  process.stdout.write(`smsgw launcher: ${line}\n`);
}

function start(child: Child): void {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: child.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.process = proc;
  child.startedAt = Date.now();
  say(`started ${child.name} (${child.env.GATEWAY_ROLES}), pid ${proc.pid}`);
  proc.on('message', (message: unknown) => {
    if ((message as { type?: string } | null)?.type === 'ready') settle(child);
  });
  proc.on('exit', (code, signal) => {
    child.process = undefined;
    settle(child);
    if (stopping) return maybeExit();
    if (code === 2) {
      say(`${child.name} exited with 2 (bad configuration); stopping`);
      return void stop(2);
    }
    if (Date.now() - child.startedAt > STABLE_AFTER_MS) child.failures = 0;
    const delayMs = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** child.failures);
    child.failures++;
    say(`${child.name} exited (${signal ?? `code ${code}`}); restarting in ${delayMs} ms`);
    setTimeout(() => {
      if (!stopping) start(child);
    }, delayMs).unref();
  });
}

function settle(child: Child): void {
  const fn = child.onFirstReadyOrExit;
  child.onFirstReadyOrExit = undefined;
  fn?.();
}

let exitCode = 0;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  for (const child of children) child.process?.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children) child.process?.kill('SIGKILL');
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
  maybeExit();
}

function maybeExit(): void {
  if (children.every((c) => c.process === undefined)) process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0));

if (config.adminToken === undefined) say('ADMIN_TOKEN generated for both processes (the banners say "from ADMIN_TOKEN"; set it to keep one)');
const [edge, workers] = children as [Child, Child];
await new Promise<void>((resolve) => {
  edge.onFirstReadyOrExit = resolve;
  start(edge);
});
if (!stopping) start(workers);
